package dev.llmfleet.loadtest;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The options every load-test command shares: what to send, how, and when to fail. */
public class LoadOptions {
    @Option(names = "--stages", required = true, paramLabel = "RATExDURATION[,...]",
            description = "Open-loop stages, e.g. 200x30s,500x30s (rate in requests/s; duration in ms, s or m).")
    String stages;

    @Option(names = "--warmup", paramLabel = "RATExDURATION",
            description = "Before stage 1, send this much load to each target with every prompt marked (so it warms the JVMs "
                    + "without priming any cache); not part of the tables, listed under warmup in the JSON.")
    String warmup;

    @Option(names = "--workload", required = true, paramLabel = "FILE",
            description = "Workload JSONL: {id, lane, feature, priority, request, expect} per line; replayed from the top when exhausted.")
    Path workload;

    @Option(names = "--lane", defaultValue = "all", paramLabel = "interactive|async|all",
            description = "Which lane's lines to send (default: ${DEFAULT-VALUE}).")
    String lane;

    @Option(names = "--include-rejects", description = "Also send lines marked expect: reject (skipped by default).")
    boolean includeRejects;

    @Option(names = "--api-key", defaultValue = "${env:FLEET_API_KEY:-mdb_sim_local}", paramLabel = "KEY",
            description = "Sent as Authorization: Bearer KEY: intake's API key (default: $FLEET_API_KEY, which ./fleet up writes to "
                    + ".fleet/env, or mdb_sim_local, which the simulator takes).")
    String apiKey;

    @Option(names = "--no-cache", description = "Send Cache-Control: no-cache, so intake skips its answer cache lookup.")
    boolean noCache;

    @Option(names = "--header", paramLabel = "'NAME: VALUE'",
            description = "An extra request header sent with every request to every target (repeatable), e.g. a gateway's routing headers.")
    List<String> headers = new ArrayList<>();

    @Option(names = "--stage-hook", paramLabel = "COMMAND",
            description = "Run COMMAND (sh -c) right before and right after each stage of each target, warm-up included, and wait for it; "
                    + "its environment says when: LOADTEST_STAGE_EVENT=start|end, LOADTEST_TARGET, LOADTEST_STAGE (0 = warm-up), "
                    + "LOADTEST_STAGE_LABEL; on end also LOADTEST_STAGE_OK (successful answers). E.g. to read a target's CPU time around its own stage. "
                    + "A hook that fails fails the run.")
    String stageHook;

    @Option(names = "--connections", defaultValue = "256", paramLabel = "N",
            description = "Connection pool size per target; requests beyond it queue, and the wait counts as latency (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--timeout", defaultValue = "30s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Connect and idle timeout per request; also how long a stage waits for its last answers (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--keep-alive-timeout", defaultValue = "120s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Close a connection idle this long (default: ${DEFAULT-VALUE}); keep it below the target's own keep-alive "
                    + "timeout (Node's http server: 5 s), or a request may go out on a connection the target is just closing.")
    Duration keepAliveTimeout;

    @Option(names = "--cost-creep-threshold", defaultValue = "10", paramLabel = "PERCENT",
            description = "Flag a stage whose charged USD per request exceeds the first stage's by more than this (default: ${DEFAULT-VALUE}%%).")
    double costCreepThresholdPercent;

    @Option(names = "--no-fail-on-creep", description = "Warn about cost creep but exit 0.")
    boolean noFailOnCreep;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path json;

    /** The {@code --header} options as name to value, in order; refuses one without a colon or a name. */
    Map<String, String> extraHeaders() {
        Map<String, String> parsed = new LinkedHashMap<>();
        for (String header : headers) {
            int colon = header.indexOf(':');
            if (colon <= 0 || header.substring(0, colon).isBlank()) {
                throw new IllegalArgumentException("bad --header '" + header + "'; expected 'NAME: VALUE'");
            }
            parsed.put(header.substring(0, colon).trim(), header.substring(colon + 1).trim());
        }
        return parsed;
    }

    Workload.Lane laneFilter() {
        try {
            return Workload.Lane.valueOf(lane.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad --lane '" + lane + "'; expected interactive, async or all");
        }
    }

    /** Reads {@code 30s}, {@code 500ms} or {@code 2m} the same way stages do. */
    static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return Stage.parse("1x" + value).duration();
        }
    }
}
