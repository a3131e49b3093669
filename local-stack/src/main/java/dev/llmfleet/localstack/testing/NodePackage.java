package dev.llmfleet.localstack.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Node.js package of the repository (a folder with package.json and package-lock.json) whose scripts tests run:
 * its pinned dependencies are installed with {@code npm ci} on first use. Node is part of the build's toolchain:
 * without it this fails loudly, it never skips.
 */
public final class NodePackage {
    private static final Duration INSTALL_TIMEOUT = Duration.ofSeconds(240);

    private final Path dir;
    private final String dependency;

    /** {@code dependency}: a package in {@code node_modules} whose presence means the install was done. */
    public NodePackage(Path dir, String dependency) {
        this.dir = dir;
        this.dependency = dependency;
    }

    /** The version {@code node --version} prints. */
    public String nodeVersion() throws IOException, InterruptedException {
        return node(List.of("--version"), Map.of(), Duration.ofSeconds(20)).stdout().trim();
    }

    /** Installs the dependencies unless already there; a failed {@code npm ci} is an IllegalStateException with its output. */
    public void install() throws IOException, InterruptedException {
        if (Files.exists(dir.resolve("node_modules").resolve(dependency))) {
            return;
        }
        Command.Result install;
        try {
            install = Command.run(dir, List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), INSTALL_TIMEOUT);
        } catch (IOException e) {
            throw new IllegalStateException("`npm` is not on PATH: install Node.js 18+ with npm (apt-get install nodejs npm)", e);
        }
        if (install.exitCode() != 0) {
            throw new IllegalStateException("npm ci in " + dir + " failed:\n" + install.output());
        }
    }

    /** Runs {@code node <arguments>} in the package's folder (call {@link #install()} first for a script that imports). */
    public Command.Result node(List<String> arguments, Map<String, String> env, Duration timeout) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("node");
        command.addAll(arguments);
        try {
            return Command.run(dir, command, env, timeout);
        } catch (IOException e) {
            throw new IllegalStateException("`node` is not on PATH: install Node.js 18+ (apt-get install nodejs npm)", e);
        }
    }
}
