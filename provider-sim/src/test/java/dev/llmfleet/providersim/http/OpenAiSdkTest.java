package dev.llmfleet.providersim.http;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The official OpenAI Node SDK against the simulator (src/test/node/sdk-check.mjs). Node is part of
 * the build's toolchain: without it this test fails rather than silently skipping.
 */
@QuarkusTest
class OpenAiSdkTest extends SimTestSupport {

    private static final Path NODE_DIR = Path.of("src", "test", "node");

    @TestHTTPResource("/v1")
    URL baseUrl;

    @Test
    void officialSdkTalksToTheSimulator() throws Exception {
        String node = nodeVersion();
        if (Files.notExists(NODE_DIR.resolve("node_modules").resolve("openai"))) {
            Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), 180);
            assertThat(install.exitCode).as("npm ci failed:%n%s", install.output).isZero();
        }
        Result check = run(List.of("node", "sdk-check.mjs"), Map.of("MDB_BASE_URL", baseUrl.toString(), "MDB_API_KEY", API_KEY), 60);
        assertThat(check.exitCode).as("sdk-check.mjs with node %s failed:%n%s", node, check.output).isZero();
        assertThat(check.output).contains("openai sdk check passed");
        assertThat(totals().getLong("calls")).isEqualTo(2);
    }

    private static String nodeVersion() throws InterruptedException {
        try {
            Result version = run(List.of("node", "--version"), Map.of(), 20);
            assertThat(version.exitCode).isZero();
            return version.output.trim();
        } catch (IOException e) {
            return fail("`node` is not on PATH: install Node.js 18+ to run the OpenAI SDK compatibility check (" + e.getMessage() + ")");
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command, Map<String, String> env, int timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(NODE_DIR.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
        }
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
