package dev.bitnet.spark;

import dev.bitnet.GenerationOptions;
import dev.bitnet.chat.ChatMessage;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.jetbrains.annotations.Nullable;

import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Where a row's input sits: the positions of the prompt (or chat messages) column and of the id column,
 * checked against the input schema on the driver so a misnamed column fails before any task starts.
 * Turns a row into its {@link RowRequest} on the executor.
 */
final class InputLayout implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int promptIndex;
    private final int messagesIndex;
    private final int roleIndex;
    private final int contentIndex;
    private final int idIndex;
    private final String idColumn;

    private InputLayout(int promptIndex, int messagesIndex, int roleIndex, int contentIndex, int idIndex, String idColumn) {
        this.promptIndex = promptIndex;
        this.messagesIndex = messagesIndex;
        this.roleIndex = roleIndex;
        this.contentIndex = contentIndex;
        this.idIndex = idIndex;
        this.idColumn = idColumn;
    }

    /**
     * @param promptColumn   a string column, or null when {@code messagesColumn} is given
     * @param messagesColumn an array of structs with string fields {@code role} and {@code content}, or null
     * @param idColumn       the column whose value keys each row's seed, or null to key it by the input itself
     * @throws IllegalArgumentException naming the column that is missing or of the wrong type
     */
    static InputLayout of(StructType schema, @Nullable String promptColumn, @Nullable String messagesColumn,
                          @Nullable String idColumn) {
        if ((promptColumn == null) == (messagesColumn == null)) {
            throw new IllegalArgumentException("give exactly one of a prompt column and a chat messages column");
        }
        int prompt = -1;
        int messages = -1;
        int role = -1;
        int content = -1;
        if (promptColumn != null) {
            prompt = index(schema, promptColumn, "prompt");
            if (!schema.fields()[prompt].dataType().equals(DataTypes.StringType)) {
                throw new IllegalArgumentException("prompt column '" + promptColumn + "' is "
                        + schema.fields()[prompt].dataType().simpleString() + ", not string");
            }
        } else {
            messages = index(schema, messagesColumn, "chat messages");
            DataType type = schema.fields()[messages].dataType();
            if (!(type instanceof ArrayType array) || !(array.elementType() instanceof StructType message)) {
                throw new IllegalArgumentException("chat messages column '" + messagesColumn + "' is " + type.simpleString()
                        + ", not array<struct<role:string,content:string>>");
            }
            role = stringField(message, "role", messagesColumn);
            content = stringField(message, "content", messagesColumn);
        }
        int id = idColumn == null ? -1 : index(schema, idColumn, "id");
        return new InputLayout(prompt, messages, role, content, id, idColumn);
    }

    private static int index(StructType schema, String column, String what) {
        List<String> names = Arrays.asList(schema.fieldNames());
        int i = names.indexOf(column);
        if (i < 0) {
            throw new IllegalArgumentException("no " + what + " column '" + column + "' in the input; its columns are " + names);
        }
        return i;
    }

    private static int stringField(StructType message, String name, String column) {
        for (int i = 0; i < message.fields().length; i++) {
            StructField f = message.fields()[i];
            if (f.name().equals(name) && f.dataType().equals(DataTypes.StringType)) {
                return i;
            }
        }
        throw new IllegalArgumentException("chat messages column '" + column + "' has elements " + message.simpleString()
                + ", which lack the string field '" + name + "'");
    }

    /** The request of {@code row}: its input, and its options with the row's seed. */
    RowRequest request(Row row, GenerationSettings settings) {
        Object key;
        if (idIndex >= 0) {
            if (row.isNullAt(idIndex)) {
                return RowRequest.invalid("the id column '" + idColumn + "' is null", settings.toOptions(OptionalLong.empty()));
            }
            key = row.get(idIndex);
        } else {
            key = null;
        }
        if (promptIndex >= 0) {
            String prompt = row.isNullAt(promptIndex) ? null : row.getString(promptIndex);
            if (prompt == null || prompt.isEmpty()) {
                return RowRequest.invalid(prompt == null ? "the prompt is null" : "the prompt is empty",
                        settings.toOptions(OptionalLong.empty()));
            }
            return RowRequest.ofPrompt(prompt, options(settings, key == null ? prompt : key));
        }
        if (row.isNullAt(messagesIndex)) {
            return RowRequest.invalid("the chat messages are null", settings.toOptions(OptionalLong.empty()));
        }
        List<Row> items = row.getList(messagesIndex);
        if (items.isEmpty()) {
            return RowRequest.invalid("the chat messages are empty", settings.toOptions(OptionalLong.empty()));
        }
        List<ChatMessage> messages = new ArrayList<>(items.size());
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            Row m = items.get(i);
            if (m == null || m.isNullAt(roleIndex) || m.isNullAt(contentIndex)) {
                return RowRequest.invalid("chat message " + i + " has no role or no content", settings.toOptions(OptionalLong.empty()));
            }
            String roleName = m.getString(roleIndex);
            ChatMessage.Role role;
            try {
                role = ChatMessage.Role.valueOf(roleName.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return RowRequest.invalid("chat message " + i + " has role '" + roleName
                        + "'; roles are system, user and assistant", settings.toOptions(OptionalLong.empty()));
            }
            messages.add(new ChatMessage(role, m.getString(contentIndex)));
            text.append(role.name()).append('\u0000').append(m.getString(contentIndex)).append('\u0000');
        }
        return RowRequest.ofMessages(messages, options(settings, key == null ? text.toString() : key));
    }

    /** The row's options: the base seed turned into the row's own, or no seed when there is no base. */
    private static GenerationOptions options(GenerationSettings settings, Object key) {
        OptionalLong base = settings.seed();
        return settings.toOptions(base.isPresent() ? OptionalLong.of(RowSeeds.seedFor(base.getAsLong(), key)) : OptionalLong.empty());
    }
}
