package dev.llmfleet.e2e;

import dev.llmfleet.localstack.ServiceProcess;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads series from a service's /q/metrics (Prometheus text). */
final class Metrics {
    private Metrics() {
    }

    /** Every labelled sample of the series named {@code names} (a regular expression). */
    static Pattern series(String names) {
        return Pattern.compile("^(" + names + ")\\{[^}]*} ([0-9.eE+-]+)(?: #.*)?$", Pattern.MULTILINE);
    }

    /** Sum of the series' samples, or null when the service does not expose the series (yet). */
    static Double sum(ServiceProcess service, Pattern series) {
        String metrics = Http.get(service.url() + "/q/metrics").body();
        Double sum = null;
        Matcher m = series.matcher(metrics);
        while (m.find()) {
            sum = (sum == null ? 0 : sum) + Double.parseDouble(m.group(2));
        }
        return sum;
    }
}
