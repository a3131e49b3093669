package dev.llmfleet.localstack.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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
        NodePackage sdkCheck = new NodePackage(repository.resolve("sdk-check"), "openai");
        String node = sdkCheck.nodeVersion();
        sdkCheck.install();
        Command.Result check = sdkCheck.node(List.of("sdk-check.mjs"), Map.of("MDB_BASE_URL", baseUrl, "MDB_API_KEY", apiKey),
                Duration.ofSeconds(90));
        return new Result(check.exitCode(), "node " + node + "\n" + check.output());
    }
}
