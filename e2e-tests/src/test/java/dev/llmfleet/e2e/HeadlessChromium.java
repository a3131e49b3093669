package dev.llmfleet.e2e;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Headless Chromium (the Debian package {@code chromium}) loading a page as a browser does, scripts included, for tests
 * that check what a user sees. No WebDriver: {@code --dump-dom} prints the page's DOM once its scripts have run for the
 * given virtual time.
 */
final class HeadlessChromium {
    private static final String INSTALL = "headless Chromium is needed for this test: apt-get install chromium";

    private HeadlessChromium() {
    }

    /** The DOM of {@code url} after its scripts ran for {@code scriptTime} of virtual time (network waits do not count). */
    static String dumpDom(String url, Duration scriptTime) {
        Path binary = binary();
        Path work = null;
        try {
            work = Files.createTempDirectory("chromium-");
            Path out = work.resolve("dom.html");
            Path err = work.resolve("stderr.txt");
            // a fresh profile, and nothing that reaches out to the network on its own (this machine has no route for it)
            Process process = new ProcessBuilder(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--user-data-dir=" + work.resolve("profile"), "--virtual-time-budget=" + scriptTime.toMillis(), "--dump-dom", url))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(scriptTime.toSeconds() + 60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("chromium did not finish loading " + url + " in " + (scriptTime.toSeconds() + 60) + " s");
            }
            String dom = Files.readString(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0 || dom.isBlank()) {
                throw new AssertionError("chromium exited " + process.exitValue() + " loading " + url + ": " + tail(Files.readString(err)));
            }
            return dom;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            delete(work);
        }
    }

    /** {@code chromium} on the PATH; a failure naming the package when it is missing (a browser test must not pass without one). */
    private static Path binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "chromium");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError(INSTALL + " (no 'chromium' on PATH)");
    }

    private static String tail(String text) {
        return text.length() <= 2000 ? text : text.substring(text.length() - 2000);
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
