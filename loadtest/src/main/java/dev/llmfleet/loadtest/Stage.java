package dev.llmfleet.loadtest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One step of load: a target rate in requests per second held for a duration ({@code 200x30s}). */
public record Stage(double ratePerSecond, Duration duration) {
    private static final Pattern SPEC = Pattern.compile("(\\d+(?:\\.\\d+)?)x(\\d+)(ms|s|m)");

    public Stage {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("a stage's rate must be a positive number of requests per second");
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("a stage's duration must be positive");
        }
    }

    /** Parses a comma-separated list such as {@code 200x30s,500x30s} (durations in ms, s or m). */
    public static List<Stage> parseAll(String specs) {
        if (specs == null || specs.isBlank()) {
            throw new IllegalArgumentException("no stages given; expected e.g. 200x30s,500x30s");
        }
        List<Stage> stages = new ArrayList<>();
        for (String spec : specs.split(",")) {
            stages.add(parse(spec.trim()));
        }
        return List.copyOf(stages);
    }

    public static Stage parse(String spec) {
        Matcher m = SPEC.matcher(spec.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("bad stage '" + spec + "'; expected RATExDURATION such as 200x30s, 50x500ms or 100x2m");
        }
        long amount = Long.parseLong(m.group(2));
        Duration duration = switch (m.group(3)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            default -> Duration.ofMinutes(amount);
        };
        return new Stage(Double.parseDouble(m.group(1)), duration);
    }

    /** How many requests the stage schedules: one every {@code 1/rate} seconds within the duration. */
    public long plannedRequests() {
        return (long) Math.ceil(ratePerSecond * duration.toNanos() / 1e9);
    }

    /** The nanosecond offset from the stage's start at which request {@code i} is due. */
    public long dueOffsetNanos(long i) {
        return (long) (i * 1e9 / ratePerSecond);
    }

    /** The spec form, e.g. {@code 200x30s}. */
    public String label() {
        String rate = ratePerSecond == Math.rint(ratePerSecond) ? String.valueOf((long) ratePerSecond) : String.valueOf(ratePerSecond);
        long millis = duration.toMillis();
        String time = millis % 60_000 == 0 ? millis / 60_000 + "m" : millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
        return rate + "x" + time;
    }
}
