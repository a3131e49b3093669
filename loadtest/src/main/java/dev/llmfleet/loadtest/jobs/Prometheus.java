package dev.llmfleet.loadtest.jobs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** A minimal reader of the Prometheus text exposition format ({@code /q/metrics}): samples with their labels. */
public final class Prometheus {
    /** One sample line: {@code name{label="value",...} value}. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;

    private Prometheus(List<Sample> samples) {
        this.samples = samples;
    }

    public static Prometheus parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            Sample s = parseLine(l);
            if (s != null) {
                samples.add(s);
            }
        }
        return new Prometheus(samples);
    }

    static Sample parseLine(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (i < line.length() && line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                if (eq < 0) {
                    return null;
                }
                String key = line.substring(i, eq).strip();
                i = eq + 1;
                if (i >= line.length() || line.charAt(i) != '"') {
                    return null;
                }
                i++;
                StringBuilder value = new StringBuilder();
                while (i < line.length() && line.charAt(i) != '"') {
                    char c = line.charAt(i);
                    if (c == '\\' && i + 1 < line.length()) {
                        char n = line.charAt(++i);
                        value.append(n == 'n' ? '\n' : n);
                    } else {
                        value.append(c);
                    }
                    i++;
                }
                i++; // closing quote
                labels.put(key, value.toString());
                while (i < line.length() && (line.charAt(i) == ',' || line.charAt(i) == ' ')) {
                    i++;
                }
            }
            i++; // closing brace
        }
        String rest = line.substring(Math.min(i, line.length())).strip();
        int space = rest.indexOf(' ');
        String number = space < 0 ? rest : rest.substring(0, space);
        double value;
        switch (number) {
            case "+Inf" -> value = Double.POSITIVE_INFINITY;
            case "-Inf" -> value = Double.NEGATIVE_INFINITY;
            case "NaN" -> value = Double.NaN;
            default -> {
                try {
                    value = Double.parseDouble(number);
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return new Sample(name, labels, value);
    }

    /** Sum of every sample named {@code name} whose labels pass {@code filter} (NaN samples skipped); null when none exists. */
    public Double sum(String name, Predicate<Map<String, String>> filter) {
        double total = 0;
        boolean any = false;
        for (Sample s : samples) {
            if (s.name().equals(name) && filter.test(s.labels()) && !Double.isNaN(s.value())) {
                total += s.value();
                any = true;
            }
        }
        return any ? total : null;
    }

    public Double sum(String name) {
        return sum(name, labels -> true);
    }

    /** Largest of the samples named {@code name} (NaN and infinities skipped); null when none exists. */
    public Double max(String name) {
        Double max = null;
        for (Sample s : samples) {
            if (s.name().equals(name) && Double.isFinite(s.value())) {
                max = max == null ? s.value() : Math.max(max, s.value());
            }
        }
        return max;
    }

    public List<Sample> samples() {
        return samples;
    }
}
