package dev.llmfleet.loadtest.steps;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The chart of a stepped run, as hand-written SVG: three panels over the stages (latency p50/p95/p99, error rate, cost per
 * request), one line per lane and figure, the limits drawn as dashed red lines, and the stages that broke a limit marked.
 * {@link #data} works out what is drawn (testable without pixels); {@link #svg} draws it.
 */
public final class StepsChart {
    private static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf"};
    private static final int WIDTH = 960;
    private static final int PANEL_HEIGHT = 210;
    private static final int LEFT = 90;
    private static final int RIGHT = 230;
    private static final int TOP = 48;
    private static final int GAP = 56;

    /** One line: a value per stage (null where there is none). */
    public record Series(String name, List<Double> values, boolean dashed) {
    }

    /** A limit drawn across a panel. */
    public record Limit(String label, double value) {
    }

    /** One panel with its y axis (0 to {@code yMax}, labelled at {@code ticks}). */
    public record Panel(String title, List<Series> series, List<Limit> limits, double yMax, List<Double> ticks) {
    }

    /** What the chart shows: a title, the verdict (wrapped into lines), and per stage a label and whether it broke a limit. */
    public record Data(String title, List<String> verdict, List<String> stages, List<Boolean> broken, List<Panel> panels) {
    }

    private StepsChart() {
    }

    public static Data data(StepsReport report) {
        List<StepsReport.Step> steps = report.steps();
        List<String> lanes = steps.stream().flatMap(s -> s.lanes().stream().map(StepsReport.LaneStep::lane)).distinct().toList();
        StepsReport.Settings settings = report.settings();

        List<Series> latency = new ArrayList<>();
        List<Series> errors = new ArrayList<>();
        List<Series> cost = new ArrayList<>();
        List<Limit> costLimits = new ArrayList<>();
        for (String lane : lanes) {
            latency.add(new Series(lane + " p50", values(steps, lane, l -> l.requests().latencyP50Ms()), true));
            latency.add(new Series(lane + " p95", values(steps, lane, l -> l.requests().latencyP95Ms()), true));
            latency.add(new Series(lane + " p99", values(steps, lane, l -> l.requests().latencyP99Ms()), false));
            errors.add(new Series(lane + " errors", values(steps, lane, l -> l.requests().errorRate() * 100), false));
            List<Double> judged = values(steps, lane, l -> l.costPerRequest() == null ? null : l.costPerRequest().doubleValue());
            cost.add(new Series(lane + " $/req (" + costSource(steps, lane) + ")", judged, false));
            if (!"async".equals(lane)) {
                cost.add(new Series(lane + " $/req (ledger)", values(steps, lane,
                        l -> l.ledger() == null || l.ledger().costPerRequest() == null ? null : l.ledger().costPerRequest().doubleValue()), true));
            }
            judged.stream().filter(java.util.Objects::nonNull).findFirst().ifPresent(base -> costLimits.add(
                    new Limit(String.format(Locale.ROOT, "%s creep +%.0f%%", lane, settings.maxCostCreep() * 100), base * (1 + settings.maxCostCreep()))));
        }
        List<Panel> panels = List.of(
                panel("Latency (ms): p50 / p95 dashed, p99 solid", latency,
                        List.of(new Limit(String.format(Locale.ROOT, "max p99 %.0f ms", settings.maxP99Ms()), settings.maxP99Ms()))),
                panel("Error rate (%)", errors,
                        List.of(new Limit(String.format(Locale.ROOT, "max %.2f%%", settings.maxErrorRate() * 100), settings.maxErrorRate() * 100))),
                panel("Cost per request (USD)", cost, costLimits));
        List<String> stages = steps.stream().map(s -> StepVerdict.rate(s.rate()) + " req/s").toList();
        List<Boolean> broken = steps.stream().map(s -> report.verdict().breaches().stream().anyMatch(b -> b.stage() == s.stage())).toList();
        String title = String.format(Locale.ROOT, "Stepped load: lane %s, %.0f s per stage, started %s (exit %d)", settings.lane(),
                settings.stageSeconds(), report.startedAt().replaceAll("\\.\\d+Z$", "Z"), report.verdict().exitCode());
        return new Data(title, wrap("Verdict: " + report.verdict().summary(), 140), stages, broken, panels);
    }

    /** Splits text at spaces into lines of at most {@code width} characters (a longer word gets a line of its own). */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (!line.isEmpty() && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(line.isEmpty() ? "" : " ").append(word);
        }
        if (!line.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }

    private static String costSource(List<StepsReport.Step> steps, String lane) {
        return steps.stream().flatMap(s -> s.lanes().stream()).filter(l -> l.lane().equals(lane)).map(StepsReport.LaneStep::costSource)
                .findFirst().orElse("?");
    }

    private static List<Double> values(List<StepsReport.Step> steps, String lane,
                                       java.util.function.Function<StepsReport.LaneStep, Double> figure) {
        List<Double> values = new ArrayList<>();
        for (StepsReport.Step step : steps) {
            values.add(step.lanes().stream().filter(l -> l.lane().equals(lane)).findFirst().map(figure).orElse(null));
        }
        return values;
    }

    static Panel panel(String title, List<Series> series, List<Limit> limits) {
        double max = 0;
        for (Series s : series) {
            for (Double v : s.values()) {
                if (v != null) {
                    max = Math.max(max, v);
                }
            }
        }
        for (Limit l : limits) {
            max = Math.max(max, l.value());
        }
        double step = niceStep(max * 1.1 / 5);
        double yMax = step * Math.max(1, Math.ceil(max * 1.1 / step));
        List<Double> ticks = new ArrayList<>();
        for (int i = 0; i * step <= yMax * (1 + 1e-9); i++) {
            ticks.add(i * step);
        }
        return new Panel(title, series, limits, yMax, ticks);
    }

    /** The smallest of 1, 2, 2.5, 5 times a power of ten that is at least {@code raw} (1 for nothing to show). */
    static double niceStep(double raw) {
        if (!(raw > 0)) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * magnitude >= raw * (1 - 1e-12)) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }

    public static String svg(Data data) {
        int plotWidth = WIDTH - LEFT - RIGHT;
        int head = TOP + 16 * data.verdict().size() + 16;
        int height = head + data.panels().size() * (PANEL_HEIGHT + GAP) + 10;
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, height, WIDTH, height));
        out.append(String.format("<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n"));
        out.append(text(12, 22, 14, "bold", "start", "#000", data.title()));
        for (int i = 0; i < data.verdict().size(); i++) {
            out.append(text(12, 42 + 16 * i, 12, "normal", "start", "#333", data.verdict().get(i)));
        }
        int n = Math.max(1, data.stages().size());
        for (int p = 0; p < data.panels().size(); p++) {
            Panel panel = data.panels().get(p);
            int top = head + p * (PANEL_HEIGHT + GAP);
            int bottom = top + PANEL_HEIGHT;
            out.append(text(LEFT, top - 8, 13, "bold", "start", "#000", panel.title()));
            for (Double tick : panel.ticks()) {
                double y = y(tick, panel.yMax(), top, bottom);
                out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>%n", LEFT, y, LEFT + plotWidth, y));
                out.append(text(LEFT - 6, y + 4, 11, "normal", "end", "#333", tick(tick)));
            }
            out.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n",
                    LEFT, top, plotWidth, PANEL_HEIGHT));
            for (int i = 0; i < data.stages().size(); i++) {
                double x = x(i, n, plotWidth);
                boolean broken = data.broken().get(i);
                out.append(text(x, bottom + 16, 11, broken ? "bold" : "normal", "middle", broken ? "#c00000" : "#333",
                        data.stages().get(i) + (broken ? " ✗" : "")));
            }
            int legendY = top + 12;
            for (Limit limit : panel.limits()) {
                double y = y(limit.value(), panel.yMax(), top, bottom);
                out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#d62728\" stroke-width=\"1.5\" "
                        + "stroke-dasharray=\"6 4\"/>%n", LEFT, y, LEFT + plotWidth, y));
                out.append(text(LEFT + plotWidth - 4, y - 4, 10, "normal", "end", "#d62728", limit.label()));
                out.append(text(LEFT + plotWidth + 10, legendY, 11, "normal", "start", "#d62728", "- - " + limit.label()));
                legendY += 16;
            }
            for (int s = 0; s < panel.series().size(); s++) {
                Series series = panel.series().get(s);
                String colour = COLOURS[s % COLOURS.length];
                StringBuilder points = new StringBuilder();
                for (int i = 0; i < series.values().size(); i++) {
                    Double v = series.values().get(i);
                    if (v == null) {
                        out.append(polyline(points, colour, series.dashed()));
                        points.setLength(0);
                        continue;
                    }
                    double x = x(i, n, plotWidth);
                    double y = y(v, panel.yMax(), top, bottom);
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                    out.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s: %s</title></circle>%n",
                            x, y, colour, escape(series.name()), tick(v)));
                }
                out.append(polyline(points, colour, series.dashed()));
                out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>%n",
                        LEFT + plotWidth + 10, legendY - 4, LEFT + plotWidth + 30, legendY - 4, colour, series.dashed() ? " stroke-dasharray=\"4 3\"" : ""));
                out.append(text(LEFT + plotWidth + 36, legendY, 11, "normal", "start", "#000", series.name()));
                legendY += 16;
            }
        }
        out.append("</svg>\n");
        return out.toString();
    }

    private static String polyline(StringBuilder points, String colour, boolean dashed) {
        if (points.isEmpty()) {
            return "";
        }
        return String.format("<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>%n", points.toString().trim(), colour,
                dashed ? " stroke-dasharray=\"4 3\"" : "");
    }

    private static double x(int i, int n, int plotWidth) {
        return LEFT + (i + 0.5) * plotWidth / n;
    }

    private static double y(double value, double yMax, int top, int bottom) {
        return bottom - Math.min(value, yMax) / yMax * (bottom - top);
    }

    /** An axis label: as few digits as the value needs. */
    static String tick(double v) {
        if (v == 0) {
            return "0";
        }
        return new BigDecimal(String.format(Locale.ROOT, "%.6g", v)).stripTrailingZeros().toPlainString();
    }

    private static String text(double x, double y, int size, String weight, String anchor, String colour, String content) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" font-weight=\"%s\" text-anchor=\"%s\" fill=\"%s\">%s</text>%n",
                x, y, size, weight, anchor, colour, escape(content));
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
