package dev.llmfleet.localstack.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Node.js script of the repository in its own directory, installing the directory's pinned packages
 * ({@code package-lock.json}) with {@code npm ci} first when they are missing. Node is part of the build's toolchain:
 * without it a run fails loudly, it never skips.
 */
public final class NodeScript {
    private static final int INSTALL_TIMEOUT_SECONDS = 240;

    private NodeScript() {
    }

    /** What a command printed (stdout and stderr together) and its exit code. */
    public record Run(int exitCode, String output) {
    }

    /**
     * {@code node script} in {@code dir} with {@code env} added, after {@code npm ci} when
     * {@code dir/node_modules/<installedPackage>} does not exist. The output starts with the Node version.
     *
     * @throws IllegalStateException when {@code node} is not on the PATH
     */
    public static Run run(Path dir, String installedPackage, String script, Map<String, String> env, int timeoutSeconds)
            throws IOException, InterruptedException {
        Run node;
        try {
            node = exec(dir, List.of("node", "--version"), Map.of(), 20);
        } catch (IOException e) {
            throw new IllegalStateException("`node` is not on PATH: install Node.js 20+ (apt-get install nodejs npm) to run "
                    + dir.resolve(script), e);
        }
        if (Files.notExists(dir.resolve("node_modules").resolve(installedPackage))) {
            Run install = exec(dir, List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), INSTALL_TIMEOUT_SECONDS);
            if (install.exitCode() != 0) {
                return new Run(install.exitCode(), "npm ci failed:\n" + install.output());
            }
        }
        Run run = exec(dir, List.of("node", script), env, timeoutSeconds);
        return new Run(run.exitCode(), "node " + node.output().trim() + "\n" + run.output());
    }

    private static Run exec(Path dir, List<String> command, Map<String, String> env, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Run(-1, String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
        }
        return new Run(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
