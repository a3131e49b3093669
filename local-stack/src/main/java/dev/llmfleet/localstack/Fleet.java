package dev.llmfleet.localstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.auth.KeyHasher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The whole platform on one machine: Kafka and Redis, the provider simulator (unless a real provider
 * is named) and the three services, each a real process. {@code ./fleet up} and the end-to-end tests
 * both run it; tests also kill and restart single services through {@link #service(String)}, and scale intake or the worker
 * out with {@link #startReplica(String, Map)}. Each run has its own key secret and admin key (random, handed to the
 * services in their environment, never logged) and one API key of tenant {@link #LOCAL_TENANT}, made through the
 * admin API once intake is up.
 */
public final class Fleet implements AutoCloseable {
    public static final String PROVIDER_SIM = "provider-sim";
    public static final String INTAKE = "intake-service";
    public static final String WORKER = "worker-service";
    public static final String BILLING = "billing-service";
    /** The services in start order after the simulator. */
    public static final List<String> SERVICES = List.of(BILLING, INTAKE, WORKER);
    /** The tenant of the key {@code ./fleet up} makes (the tenant every request had before API keys). */
    public static final String LOCAL_TENANT = "default";

    private static final List<String> JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-Xms32m", "-Xmx384m", "-XX:+ExitOnOutOfMemoryError");
    static final String MALLOC_ARENAS_VARIABLE = "MALLOC_ARENA_MAX";
    static final String MALLOC_ARENAS = "2";
    /** Extra JVM options for every service JVM, after the defaults (so e.g. an -Xmx here wins); split on blanks. */
    static final String EXTRA_JVM_OPTIONS_VARIABLE = "FLEET_SERVICE_JVM_OPTS";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    /**
     * The worker is the background lane: on a machine whose cores it shares with intake, the simulator, Kafka and Redis
     * it runs at this lower CPU priority so a backlog does not slow interactive requests (FLEET_WORKER_NICE, 0 to turn
     * off; in Kubernetes separate nodes or CPU requests do the same).
     */
    private static final int WORKER_NICENESS = 10;

    private final Options options;
    private final Map<String, ServiceProcess> services = new LinkedHashMap<>();
    private LocalStack ownStack;
    /** What every fleet service is given: Kafka, Redis, the provider and its key. */
    private final Map<String, String> platformEnv = new HashMap<>();
    private String kafka;
    private String redis;
    private String providerUrl;
    private final String adminKey = KeyHasher.newKey();
    private String apiKey;

    private Fleet(Options options) {
        this.options = options;
    }

    /**
     * Settings of one run.
     *
     * @param home        the checkout whose modules hold the packaged services ({@code <module>/target/quarkus-app})
     * @param logs        where each process writes {@code <name>.log}
     * @param ports       fixed HTTP ports by service name; a service not named gets a free port
     * @param kafka       an existing broker's bootstrap servers, or null to start the local stack
     * @param redis       an existing Redis URL (with {@code kafka}), or null
     * @param mdbBaseUrl  a real provider's base URL (ending in {@code /v1}), or null to run the simulator
     * @param mdbApiKey   the provider key handed to the services (never logged)
     * @param env         extra environment per service name (settings a test wants)
     */
    public record Options(Path home, Path logs, Map<String, Integer> ports, String kafka, String redis,
                          String mdbBaseUrl, String mdbApiKey, Map<String, Map<String, String>> env) {
        public Options {
            ports = Map.copyOf(ports);
            env = Map.copyOf(env);
        }
    }

    /** Starts everything and waits until every service is ready. On failure, whatever started is stopped. */
    public static Fleet start(Options options) {
        Fleet fleet = new Fleet(options);
        try {
            fleet.startAll();
            return fleet;
        } catch (RuntimeException e) {
            fleet.close();
            throw e;
        }
    }

    private void startAll() {
        // Kafka and the simulator start side by side: the simulator needs neither Kafka nor Redis. The simulator is ready
        // before its URL is handed out, since one that lost its free port to another process moves to another port.
        CompletableFuture<Void> stack = CompletableFuture.completedFuture(null);
        if (options.kafka() == null) {
            stack = CompletableFuture.runAsync(() -> ownStack = LocalStack.start());
        }
        CompletableFuture<String> provider = options.mdbBaseUrl() != null
                ? CompletableFuture.completedFuture(options.mdbBaseUrl())
                : CompletableFuture.supplyAsync(() -> define(PROVIDER_SIM, PROVIDER_SIM, Map.of(), Map.of()).start(START_TIMEOUT).url() + "/v1");
        // both finish (or fail) before anything else happens, so a failure leaves nothing running that close() misses
        join(CompletableFuture.allOf(stack, provider));
        providerUrl = provider.join();
        kafka = ownStack != null ? ownStack.kafkaBootstrapServers() : options.kafka();
        redis = ownStack != null ? ownStack.redisUrl() : options.redis();
        platformEnv.put("KAFKA_BOOTSTRAP_SERVERS", kafka);
        platformEnv.put("REDIS_URL", redis);
        platformEnv.put("MDB_BASE_URL", providerUrl);
        platformEnv.put("MDB_API_KEY", options.mdbApiKey());
        platformEnv.put("FLEET_KEY_SECRET", KeyHasher.newKey());
        platformEnv.put("FLEET_ADMIN_KEY", adminKey);
        List<ServiceProcess> launched = new ArrayList<>();
        for (String name : SERVICES) {
            launched.add(define(name, name, platformEnv, Map.of()).launch());
        }
        // JVMs start in parallel; readiness is awaited together so start time is the slowest, not the sum
        join(CompletableFuture.allOf(launched.stream()
                .map(service -> CompletableFuture.runAsync(() -> service.awaitReady(START_TIMEOUT)))
                .toArray(CompletableFuture[]::new)));
        apiKey = createKey(LOCAL_TENANT, "local");
    }

    /** A new API key of {@code tenant} (every feature and model, no limits), made through intake's admin API. */
    public String createKey(String tenant, String name) {
        ObjectMapper json = new ObjectMapper();
        try {
            String body = json.writeValueAsString(Map.of("tenant", tenant, "name", name));
            HttpRequest request = HttpRequest.newBuilder(URI.create(service(INTAKE).url() + "/v1/admin/keys"))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json").header("Authorization", "Bearer " + adminKey)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 201) {
                throw new IllegalStateException("intake did not create an API key: " + response.statusCode() + " " + response.body());
            }
            JsonNode created = json.readTree(response.body());
            return created.path("key").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The API key of tenant {@link #LOCAL_TENANT}. */
    public String apiKey() {
        return apiKey;
    }

    /** The admin key: intake's admin API and the whole of billing. */
    public String adminKey() {
        return adminKey;
    }

    private static void join(CompletableFuture<?> future) {
        try {
            future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /**
     * One more instance of {@code module} ({@link #INTAKE} or {@link #WORKER}), as a scaled-out deployment runs them: the
     * same Kafka, Redis and provider as the first, the fleet's settings for that module plus {@code env}, on a free port.
     * Named {@code <module>-<n>} (its log too), it is stopped with the fleet; waits until it is ready.
     */
    public synchronized ServiceProcess startReplica(String module, Map<String, String> env) {
        if (!module.equals(INTAKE) && !module.equals(WORKER)) {
            throw new IllegalArgumentException("only " + INTAKE + " and " + WORKER + " run as replicas, not " + module);
        }
        int instance = 2;
        while (services.containsKey(module + "-" + instance)) {
            instance++;
        }
        return define(module + "-" + instance, module, platformEnv, env).start(START_TIMEOUT);
    }

    /** An instance {@code name} of {@code module}: {@code base} settings, then the module's from the options, then {@code env}. */
    private ServiceProcess define(String name, String module, Map<String, String> base, Map<String, String> env) {
        Map<String, String> settings = new HashMap<>(base);
        if (System.getenv(MALLOC_ARENAS_VARIABLE) == null) {
            settings.put(MALLOC_ARENAS_VARIABLE, MALLOC_ARENAS);
        }
        // a service whose launcher dies (even by SIGKILL) stops itself instead of lingering
        settings.put("LLMFLEET_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
        settings.putAll(options.env().getOrDefault(module, Map.of()));
        settings.putAll(env);
        ServiceProcess service = new ServiceProcess(name,
                options.home().resolve(module).resolve("target/quarkus-app/quarkus-run.jar"),
                options.ports().getOrDefault(name, 0), settings, options.logs().resolve(name + ".log"),
                jvmOptions(System.getenv(EXTRA_JVM_OPTIONS_VARIABLE)),
                module.equals(WORKER) ? niceness(System.getenv("FLEET_WORKER_NICE"), WORKER_NICENESS) : 0);
        services.put(name, service);
        return service;
    }

    /** The service JVMs' options: the defaults, then {@code extra} (blank-separated, may be null) appended. */
    static List<String> jvmOptions(String extra) {
        List<String> all = new ArrayList<>(JVM_OPTIONS);
        if (extra != null && !extra.isBlank()) {
            all.addAll(List.of(extra.trim().split("\\s+")));
        }
        return List.copyOf(all);
    }

    /** A niceness from the environment (0 to 19), or {@code fallback} when unset; refuses anything else clearly. */
    static int niceness(String value, int fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 0 && n <= 19) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("FLEET_WORKER_NICE must be a whole number from 0 to 19, not '" + value + "'");
    }

    public ServiceProcess service(String name) {
        ServiceProcess service = services.get(name);
        if (service == null) {
            throw new IllegalArgumentException("no service " + name + " in this fleet");
        }
        return service;
    }

    /** The Kafka and Redis this fleet started for itself (outage tests stop and restart them); refused on a shared stack. */
    public LocalStack ownStack() {
        if (ownStack == null) {
            throw new IllegalStateException("this fleet runs on a Kafka and Redis it did not start");
        }
        return ownStack;
    }

    public String kafkaBootstrapServers() {
        return kafka;
    }

    public String redisUrl() {
        return redis;
    }

    public String providerUrl() {
        return providerUrl;
    }

    /** Every process of this fleet serving {@code /q/metrics}, by name, with its base URL (the simulator when it runs, added workers too). */
    public synchronized Map<String, String> metricsTargets() {
        Map<String, String> targets = new LinkedHashMap<>();
        services.forEach((name, service) -> targets.put(name, service.url()));
        return targets;
    }

    /** The {@code .fleet/env} lines of docs/ARCHITECTURE.md: what a script needs to reach this platform. */
    public Map<String, String> envFile() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("FLEET_INTAKE_URL", service(INTAKE).url());
        env.put("FLEET_WORKER_URL", service(WORKER).url());
        env.put("FLEET_BILLING_URL", service(BILLING).url());
        env.put("FLEET_PROVIDER_URL", providerUrl);
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka);
        env.put("REDIS_URL", redis);
        env.put("FLEET_API_KEY", apiKey);
        env.put("FLEET_ADMIN_KEY", adminKey);
        env.put("FLEET_ADMIN_URL", service(INTAKE).url());
        return env;
    }

    /** Stops the services and the simulator together (they flush to Kafka), then Kafka and Redis. */
    @Override
    public void close() {
        CompletableFuture.allOf(services.values().stream()
                .map(service -> CompletableFuture.runAsync(service::stop))
                .toArray(CompletableFuture[]::new)).join();
        if (ownStack != null) {
            ownStack.close();
        }
    }
}
