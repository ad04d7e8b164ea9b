/**
 * Conversations ({@link dev.bitnet.chat.ChatMessage}) and the chat templates that render them into prompts for
 * BitNet b1.58 2B-4T; {@link dev.bitnet.chat.ChatTemplates#select} picks one for a model.
 */
package dev.bitnet.chat;
