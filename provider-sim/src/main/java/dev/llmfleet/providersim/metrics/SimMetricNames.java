package dev.llmfleet.providersim.metrics;

/**
 * The simulator's custom meters, named once. It stands in for the external provider, so its names are its own
 * ({@code mdb.sim.*}, not the fleet's) and it does not use common's {@code MetricNames}.
 */
public final class SimMetricNames {
    /** Prepaid credit left, USD → {@code mdb_sim_balance}. */
    public static final String BALANCE = "mdb.sim.balance";
    /** USD charged since start or the last reset → {@code mdb_sim_charged_total}. */
    public static final String CHARGED = "mdb.sim.charged";
    /** Chat completion requests received → {@code mdb_sim_requests_total}. */
    public static final String REQUESTS = "mdb.sim.requests";
    /** Chat completion requests being answered → {@code mdb_sim_in_flight}. */
    public static final String IN_FLIGHT = "mdb.sim.in.flight";

    private SimMetricNames() {
    }
}
