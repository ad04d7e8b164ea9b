package dev.bitnet.cli;

import dev.bitnet.BitNetModel;
import dev.bitnet.Session;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code logits --model FILE --ids 1,2,3 --out OUT.f32 [--batch]}: writes little-endian float32
 * {@code [n_ids][vocab]}, row i = next-token logits after token i. Default feeds one token per
 * step through the KV cache; {@code --batch} feeds all ids in one prefill call.
 */
final class LogitsCommand implements Command {
    @Override
    public String name() {
        return "logits";
    }

    @Override
    public String summary() {
        return "write next-token logits after each of the given token ids (float32 [n][vocab])";
    }

    @Override
    public String usage() {
        return "--model FILE|hf://ORG/REPO[/PATH] --ids 1,2,3 --out OUT.f32 [--batch] [--threads N] [--kernel scalar|vector|native]";
    }

    @Override
    public String[] switches() {
        return new String[] {"batch"};
    }

    @Override
    public int run(Args args, InputStream in, PrintStream out, PrintStream err) throws Exception {
        ModelArgument modelFlag = ModelArgument.required(args);
        int[] ids = args.intList("ids").orElseThrow(() -> new UsageException("missing required flag --ids"));
        Path output = args.path("out").orElseThrow(() -> new UsageException("missing required flag --out"));
        boolean batch = args.flag("batch");
        var options = CliOptions.loadOptions(args);
        args.finish();
        if (ids.length == 0) {
            throw new UsageException("--ids is empty");
        }
        Path model = modelFlag.resolve(err, false);
        try (BitNetModel m = BitNetModel.load(model, options); Session session = m.newSession()) {
            int vocab = m.config().vocabSize();
            float[] all;
            if (batch) {
                all = session.appendAll(ids);
            } else {
                all = new float[Math.multiplyExact(ids.length, vocab)];
                float[] row = new float[vocab];
                for (int i = 0; i < ids.length; i++) {
                    session.append(new int[] {ids[i]}, row);
                    System.arraycopy(row, 0, all, i * vocab, vocab);
                }
            }
            ByteBuffer bytes = ByteBuffer.allocate(all.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(all);
            try (OutputStream os = Files.newOutputStream(output)) {
                os.write(bytes.array());
            }
            err.printf("wrote %d x %d logits to %s%n", ids.length, vocab, output);
        }
        return 0;
    }
}
