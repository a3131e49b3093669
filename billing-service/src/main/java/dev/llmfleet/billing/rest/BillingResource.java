package dev.llmfleet.billing.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.billing.service.AlertService;
import dev.llmfleet.billing.service.BalanceService;
import dev.llmfleet.billing.service.SummaryService;
import dev.llmfleet.billing.service.TopupService;
import dev.llmfleet.common.api.ErrorBody;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.auth.BearerAuthentication;
import dev.llmfleet.common.auth.Caller;
import dev.llmfleet.common.billing.BalanceLevel;
import io.vertx.ext.web.RoutingContext;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ledger and the fuel gauge over HTTP: spend by window and group (in total and bucket by bucket), the balance with
 * burn rate and runway, recent alerts. The admin key sees everything; a tenant's API key sees its own tenant's spend
 * only (summary and series filtered to it) and none of the platform's prepaid balance, unattributed spend or alerts
 * (403): those are the operator's, and say nothing a tenant could act on.
 */
@Path("/v1/billing")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "billing")
public class BillingResource {
    private static final int MAX_ALERTS = 500;

    private final SummaryService summaries;
    private final BalanceService balance;
    private final AlertService alerts;
    private final TopupService topups;
    private final ObjectMapper mapper;

    public BillingResource(SummaryService summaries, BalanceService balance, AlertService alerts, TopupService topups, ObjectMapper mapper) {
        this.summaries = summaries;
        this.balance = balance;
        this.alerts = alerts;
        this.topups = topups;
        this.mapper = mapper;
    }

    /** {@code GET /v1/billing/balance}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record BalanceView(BigDecimal balanceUsd, double burnRateUsdPerHour, Double runwayHours, BalanceLevel level,
                              Instant asOf, BigDecimal unattributedUsd, double asyncShare, BigDecimal estimateDriftUsd,
                              BigDecimal estimateReconciledUsd, JsonNode lastTopup) {
    }

    /** {@code GET /v1/billing/alerts}: newest first. */
    public record AlertList(List<JsonNode> data) {
    }

    @GET
    @Path("/summary")
    @Operation(summary = "Spend over a window, grouped",
            description = "{window, total_usd, requests, cost_per_request_usd, cache_hits, saved_usd, unattributed_usd, by_source, groups:[...]}; money as exact decimals")
    @APIResponse(responseCode = "200", description = "The summary")
    @APIResponse(responseCode = "400", description = "Unknown window or group-by key",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    public Uni<Map<String, Object>> summary(
            @Parameter(description = "15m, 1h, 24h, 7d or 30d") @QueryParam("window") String window,
            @Parameter(description = "Comma list of feature, model, lane, tenant (default feature,model,lane; empty for none)") @QueryParam("by") String by,
            @Parameter(description = "Only this tenant's spend (a tenant key: its own, whatever is asked)") @QueryParam("tenant") String tenant,
            @Context RoutingContext exchange) {
        Caller caller = BearerAuthentication.caller(exchange);
        String only = tenantOf(caller, tenant);
        SummaryService.Window w = SummaryService.Window.parse(window == null ? "24h" : window);
        List<String> groupBy = SummaryService.parseBy(by);
        return summaries.summary(w, groupBy, only, caller.admin(), System.currentTimeMillis());
    }

    @GET
    @Path("/series")
    @Operation(summary = "Spend over a window, bucket by bucket",
            description = "{window, bucket_seconds, buckets:[{start, total_usd, requests, groups:[...]}]}, oldest bucket first; the buckets are"
                    + " the summary's (minutes for 15m and 1h, hours for 24h and 7d, days for 30d) and each bucket's groups are shaped as the summary's")
    @APIResponse(responseCode = "200", description = "The series")
    @APIResponse(responseCode = "400", description = "Unknown window or group-by key",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    public Uni<Map<String, Object>> series(
            @Parameter(description = "15m, 1h, 24h, 7d or 30d") @QueryParam("window") String window,
            @Parameter(description = "Comma list of feature, model, lane, tenant (default feature,model,lane; empty for none)") @QueryParam("by") String by,
            @Parameter(description = "Only this tenant's spend (a tenant key: its own, whatever is asked)") @QueryParam("tenant") String tenant,
            @Context RoutingContext exchange) {
        String only = tenantOf(BearerAuthentication.caller(exchange), tenant);
        SummaryService.Window w = SummaryService.Window.parse(window == null ? "24h" : window);
        return summaries.series(w, SummaryService.parseBy(by), only, System.currentTimeMillis());
    }

    @GET
    @Path("/balance")
    @Operation(summary = "The fuel gauge", description = "Latest provider balance (by event time), burn rate, runway, level, unattributed spend and the last top-up")
    @APIResponse(responseCode = "403", description = "A tenant key (admin_key_required): the prepaid balance is the operator's",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    public Uni<BalanceView> balance(@Context RoutingContext exchange) {
        BearerAuthentication.caller(exchange).requireAdmin();
        BalanceService.View v = balance.view();
        return topups.last().map(last -> new BalanceView(v.balanceUsd(), v.burnRateUsdPerHour(), v.runwayHours(), v.level(), v.asOf(),
                v.unattributedUsd(), v.asyncShare(), v.estimateDriftUsd(), v.estimateReconciledUsd(), last));
    }

    @GET
    @Path("/alerts")
    @Operation(summary = "Recent alerts, newest first")
    @APIResponse(responseCode = "400", description = "limit outside 1..500",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "403", description = "A tenant key (admin_key_required): alerts are the operator's",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    public Uni<AlertList> alerts(@Parameter(description = "How many (1..500, default 50)") @QueryParam("limit") String limit,
                                 @Context RoutingContext exchange) {
        BearerAuthentication.caller(exchange).requireAdmin();
        int n = parseLimit(limit);
        return alerts.recent(n).map(list -> {
            List<JsonNode> data = new ArrayList<>();
            for (String json : list) {
                try {
                    data.add(mapper.readTree(json));
                } catch (java.io.IOException e) {
                    // an entry this version cannot read is skipped, not fatal
                }
            }
            return new AlertList(data);
        });
    }

    /**
     * The tenant a summary or series is limited to: what the admin asks for (null: all), a tenant key's own tenant
     * (asking for another tenant's is a 403).
     */
    private static String tenantOf(Caller caller, String asked) {
        String wanted = asked == null || asked.isBlank() ? null : asked;
        if (caller.admin()) {
            return wanted;
        }
        String own = caller.key().tenant();
        if (wanted != null && !wanted.equals(own)) {
            throw FleetException.rejected(403, "tenant_forbidden", "This key sees only tenant '" + own + "'.");
        }
        return own;
    }

    private static int parseLimit(String limit) {
        if (limit == null || limit.isBlank()) {
            return 50;
        }
        try {
            int n = Integer.parseInt(limit.trim());
            if (n >= 1 && n <= MAX_ALERTS) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw FleetException.invalid("invalid_limit", "limit must be an integer from 1 to " + MAX_ALERTS + ".");
    }
}
