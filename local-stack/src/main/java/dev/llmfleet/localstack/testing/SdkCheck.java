package dev.llmfleet.localstack.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the official OpenAI Node SDK check ({@code sdk-check/sdk-check.mjs} at the repository root)
 * against an OpenAI-compatible base URL, installing the pinned SDK with {@code npm ci} on first use.
 * Node is part of the build's toolchain: without it the check fails loudly, it never skips.
 */
public final class SdkCheck {
    private SdkCheck() {
    }

    /** What the check printed and how it ended. */
    public record Result(int exitCode, String output) {
        public boolean passed() {
            return exitCode == 0 && output.contains("openai sdk check passed");
        }
    }

    /** {@code repository} is the checkout root; {@code baseUrl} ends in {@code /v1}. */
    public static Result run(Path repository, String baseUrl, String apiKey) throws IOException, InterruptedException {
        Path dir = repository.resolve("sdk-check");
        Result node;
        try {
            node = exec(dir, List.of("node", "--version"), Map.of(), 20);
        } catch (IOException e) {
            throw new IllegalStateException("`node` is not on PATH: install Node.js 18+ to run the OpenAI SDK check", e);
        }
        if (Files.notExists(dir.resolve("node_modules").resolve("openai"))) {
            Result install = exec(dir, List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), 240);
            if (install.exitCode() != 0) {
                return new Result(install.exitCode(), "npm ci failed:\n" + install.output());
            }
        }
        Result check = exec(dir, List.of("node", "sdk-check.mjs"), Map.of("MDB_BASE_URL", baseUrl, "MDB_API_KEY", apiKey), 90);
        return new Result(check.exitCode(), "node " + node.output().trim() + "\n" + check.output());
    }

    private static Result exec(Path dir, List<String> command, Map<String, String> env, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Result(-1, String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
        }
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
