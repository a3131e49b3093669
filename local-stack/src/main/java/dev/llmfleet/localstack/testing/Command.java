package dev.llmfleet.localstack.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command-line tool to its end within a time limit, for tests that check the project with real tools (Node,
 * promtool). Its output goes to files, so a tool that prints a lot never blocks on a full pipe.
 */
public final class Command {
    private Command() {
    }

    /** How the tool ended ({@code -1}: it did not finish in time and was killed) and what it printed. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** Everything it printed, standard output first. */
        public String output() {
            return stdout + stderr;
        }
    }

    /**
     * Runs {@code command} in {@code dir} with {@code env} added to this process' environment and no standard input.
     *
     * @throws IOException when the program cannot be started (typically: not installed, not on PATH)
     */
    public static Result run(Path dir, List<String> command, Map<String, String> env, Duration timeout)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("command", ".out");
        Path err = Files.createTempFile("command", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            process.getOutputStream().close();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                return new Result(-1, Files.readString(out, StandardCharsets.UTF_8),
                        String.join(" ", command) + " did not finish within " + timeout.toSeconds() + " s\n");
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
