package dev.llmfleet.localstack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real Prometheus (the {@code prometheus} binary on PATH, e.g. Debian's package) scraping a fleet's processes at
 * {@code /q/metrics}, on a free port, with its data under {@code dir}. Every target carries the label
 * {@code namespace="llm-fleet"} ({@link #NAMESPACE}), as Kubernetes service discovery adds the pod's namespace, and
 * Prometheus' own {@code instance} ({@code 127.0.0.1:<port>}), so the dashboards' {@code $namespace} and
 * {@code $instance} filters work the same here as in a cluster. Loads the alert rules file when it exists.
 */
public final class PrometheusServer implements AutoCloseable {
    public static final String BINARY = "prometheus";
    /** The {@code namespace} label every local target gets (what a cluster's service discovery would add). */
    public static final String NAMESPACE = "llm-fleet";
    /** The alert rules, relative to the checkout; loaded when present. */
    public static final Path RULES = Path.of("k8s/monitoring/rules/llm-fleet.rules.yml");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final int port;
    private final Process process;

    private PrometheusServer(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    /** The prometheus binary on PATH, if installed. */
    public static Optional<Path> binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, BINARY);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Starts Prometheus scraping {@code targets} (job name to the base URL of a process serving {@code /q/metrics})
     * every {@code scrapeInterval}, loading {@code rules} when that file exists; waits until it answers on its port.
     *
     * @throws IllegalStateException when prometheus is not installed or does not start (its log is in {@code dir})
     */
    public static PrometheusServer start(Path dir, Map<String, String> targets, Path rules, Duration scrapeInterval) {
        Path binary = binary().orElseThrow(() -> new IllegalStateException(
                "'prometheus' is not on PATH: install Debian's prometheus package (apt-get install prometheus)"));
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, config(targets, rules, scrapeInterval));
            int port = Ports.free();
            Process process = new ProcessBuilder(List.of(binary.toString(),
                    "--config.file=" + config,
                    "--web.listen-address=127.0.0.1:" + port,
                    "--storage.tsdb.path=" + dir.resolve("data"),
                    "--storage.tsdb.retention.time=1d"))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("prometheus.log").toFile()))
                    .start();
            PrometheusServer server = new PrometheusServer(port, process);
            if (!Ports.awaitOpen(port, START_TIMEOUT.toMillis(), process)) {
                server.close();
                throw new IllegalStateException("prometheus did not start; see " + dir.resolve("prometheus.log"));
            }
            // a JVM that exits without closing the server does not leave it behind
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "prometheus-" + port));
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start prometheus in " + dir, e);
        }
    }

    /** The configuration as JSON (which is YAML): one job per target, each labelled with {@link #NAMESPACE}. */
    static String config(Map<String, String> targets, Path rules, Duration scrapeInterval) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        String interval = scrapeInterval.toMillis() + "ms";
        root.putObject("global").put("scrape_interval", interval).put("evaluation_interval", interval);
        if (rules != null && Files.isRegularFile(rules)) {
            root.putArray("rule_files").add(rules.toAbsolutePath().toString());
        }
        ArrayNode jobs = root.putArray("scrape_configs");
        targets.forEach((job, url) -> {
            ObjectNode scrape = jobs.addObject().put("job_name", job).put("metrics_path", "/q/metrics");
            ObjectNode group = scrape.putArray("static_configs").addObject();
            group.putArray("targets").add(url.replaceFirst("^https?://", ""));
            group.putObject("labels").put("namespace", NAMESPACE);
        });
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        JavaProcess.stop(process, 10);
    }
}
