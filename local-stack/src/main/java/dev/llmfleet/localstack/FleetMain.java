package dev.llmfleet.localstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * Command line behind {@code ./fleet}: {@code up [--monitoring]} runs the whole platform until Ctrl-C or SIGTERM (with
 * {@code --monitoring} also a Prometheus scraping it, when installed); {@code stack} runs only Kafka and Redis (one
 * shared stack for a whole {@code ./fleet test} run).
 */
public final class FleetMain {
    private static final String MONITORING = "--monitoring";
    /** How often {@code ./fleet up --monitoring}'s Prometheus scrapes. */
    private static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(5);

    private FleetMain() {
    }

    public static void main(String[] args) throws Exception {
        String verb = args.length > 0 ? args[0] : "up";
        Path home = Path.of(System.getProperty("fleet.home", ".")).toAbsolutePath().normalize();
        switch (verb) {
            case "up" -> up(home, monitoring(args));
            case "stack" -> stack(Path.of(args.length > 1 ? args[1] : ".fleet/stack.env").toAbsolutePath());
            default -> {
                System.err.println("usage: FleetMain up [--monitoring] | stack [env-file]");
                System.exit(2);
            }
        }
    }

    private static boolean monitoring(String[] args) {
        for (int i = 1; i < args.length; i++) {
            if (!args[i].equals(MONITORING)) {
                fail("unknown option '" + args[i] + "' for up (only " + MONITORING + ")");
            }
        }
        return args.length > 1;
    }

    private static void up(Path home, boolean monitoring) throws IOException, InterruptedException {
        Path dotFleet = home.resolve(".fleet");
        Path envFile = dotFleet.resolve("env");
        Path pidFile = dotFleet.resolve("launcher.pid");
        Files.createDirectories(dotFleet);
        Files.writeString(pidFile, Long.toString(ProcessHandle.current().pid()));
        Map<String, Integer> ports = new HashMap<>();
        ports.put(Fleet.INTAKE, port("FLEET_INTAKE_PORT", 8080));
        ports.put(Fleet.WORKER, port("FLEET_WORKER_PORT", 8081));
        ports.put(Fleet.BILLING, port("FLEET_BILLING_PORT", 8082));
        ports.put(Fleet.PROVIDER_SIM, port("FLEET_PROVIDER_PORT", 8090));
        String mdbBaseUrl = blankToNull(System.getenv("MDB_BASE_URL"));
        String mdbApiKey = mdbBaseUrl == null ? "mdb_sim_local" : System.getenv("MDB_API_KEY");
        if (mdbBaseUrl != null && blankToNull(mdbApiKey) == null) {
            fail("MDB_BASE_URL is set but MDB_API_KEY is not: a real provider needs its key");
        }
        long t0 = System.nanoTime();
        System.out.println("Starting LLM Fleet (Kafka, Redis, " + (mdbBaseUrl == null ? "provider simulator, " : "")
                + "billing, intake, worker); logs in " + dotFleet.resolve("logs"));
        Fleet fleet;
        try {
            fleet = Fleet.start(new Fleet.Options(home, dotFleet.resolve("logs"), ports, null, null,
                    mdbBaseUrl, mdbApiKey, Map.of()));
        } catch (RuntimeException e) {
            Files.deleteIfExists(pidFile);
            fail(e.getMessage());
            return;
        }
        PrometheusServer prometheus = monitoring ? startPrometheus(home, dotFleet, fleet) : null;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping LLM Fleet...");
            if (prometheus != null) {
                prometheus.close();
            }
            fleet.close();
            try {
                Files.deleteIfExists(envFile);
                Files.deleteIfExists(pidFile);
            } catch (IOException e) {
                System.err.println("could not remove " + envFile + ": " + e.getMessage());
            }
            System.out.println("LLM Fleet stopped.");
            stopped.countDown();
        }, "fleet-shutdown"));
        Map<String, String> env = fleet.envFile();
        if (prometheus != null) {
            env.put("FLEET_PROMETHEUS_URL", prometheus.url());
        }
        writeEnv(envFile, env);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("LLM Fleet is up in %.1f s%n", seconds);
        // the keys are secrets: on the console (and in a detached run's log) only their names
        env.forEach((key, value) -> System.out.printf("  %-24s %s%n", key, key.endsWith("_KEY") ? "(in " + envFile + ")" : value));
        Map<String, String> docs = new LinkedHashMap<>();
        for (String name : Fleet.SERVICES) {
            ServiceProcess service = fleet.service(name);
            docs.put(name, service.url() + "  (health /q/health, metrics /q/metrics, OpenAPI /q/openapi)  pid "
                    + service.pid() + ", RSS " + service.rssKib() / 1024 + " MiB");
        }
        docs.forEach((key, value) -> System.out.printf("  %-24s %s%n", key, value));
        System.out.printf("  %-24s %s/  (it asks for FLEET_ADMIN_KEY, or a tenant key)%n", "billing page", fleet.service(Fleet.BILLING).url());
        System.out.println("Environment written to " + envFile + "; Ctrl-C or ./fleet down stops everything.");
        stopped.await();
    }

    /**
     * Prometheus scraping every process of {@code fleet}, with the alert rules of the checkout when present; null (said
     * plainly) when prometheus is not installed or does not start: the platform runs on without it.
     */
    private static PrometheusServer startPrometheus(Path home, Path dotFleet, Fleet fleet) {
        if (PrometheusServer.binary().isEmpty()) {
            System.out.println("Monitoring: prometheus is not installed (Debian: apt-get install prometheus); continuing without it.");
            return null;
        }
        Path rules = home.resolve(PrometheusServer.RULES);
        try {
            PrometheusServer prometheus = PrometheusServer.start(dotFleet.resolve("prometheus"), fleet.metricsTargets(), rules,
                    SCRAPE_INTERVAL);
            System.out.println("Monitoring: Prometheus scrapes every service each " + SCRAPE_INTERVAL.toSeconds() + " s"
                    + (Files.isRegularFile(rules) ? " with the rules of " + rules : " (no rules: " + rules + " is missing)"));
            return prometheus;
        } catch (RuntimeException e) {
            System.out.println("Monitoring: " + e.getMessage() + "; continuing without it.");
            return null;
        }
    }

    private static void stack(Path envFile) throws InterruptedException, IOException {
        LocalStack stack = LocalStack.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            try {
                Files.deleteIfExists(envFile);
            } catch (IOException e) {
                System.err.println("could not remove " + envFile + ": " + e.getMessage());
            }
            stopped.countDown();
        }, "stack-shutdown"));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", stack.kafkaBootstrapServers());
        env.put("REDIS_URL", stack.redisUrl());
        writeEnv(envFile, env);
        System.out.println("Local stack up (Kafka " + stack.kafkaBootstrapServers() + ", Redis " + stack.redisUrl()
                + " from " + stack.redisFlavour() + ")");
        stopped.await();
    }

    /** Written to a temp file and moved, so a reader never sees half a file; readable by its owner only (it holds keys). */
    private static void writeEnv(Path file, Map<String, String> env) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n", "", "\n")));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static int port(String variable, int fallback) {
        String value = blankToNull(System.getenv(variable));
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            fail(variable + "=" + value + " is not a port number");
            return fallback;
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static void fail(String message) {
        System.err.println("fleet: " + message);
        System.exit(1);
    }
}
