package dev.llmfleet.common.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.api.ErrorResponses;
import dev.llmfleet.common.api.FleetException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * The one authentication of every {@code /v1} endpoint of a service, Vert.x routes and JAX-RS alike: a route handler
 * ahead of both (and ahead of reading the body) that turns {@code Authorization: Bearer …} into a {@link Caller} (the
 * key and its tenant's settings) kept in the routing context ({@link #caller}), or answers 401 {@code invalid_api_key}
 * with {@code WWW-Authenticate: Bearer}. The lookup is one reactive Redis script; the request is paused meanwhile so no
 * body byte is lost, and resumed on its own event loop. Which caller may use what is each endpoint's business ({@link Caller}). Keys are never logged, key ids
 * may be.
 */
@Singleton
public class BearerAuthentication {
    /** Runs before every other route of the path, body handlers and size checks included. */
    public static final int ORDER = -1000;
    private static final Logger LOG = Logger.getLogger(BearerAuthentication.class);
    private static final String CALLER = Caller.class.getName();

    private final ApiKeyStore keys;
    private final String adminKey;
    private final ObjectMapper mapper;

    public BearerAuthentication(ApiKeyStore keys, AuthConfig config, ObjectMapper mapper) {
        this.keys = keys;
        this.mapper = mapper;
        this.adminKey = config.adminKey().filter(key -> !key.isBlank()).orElse(null);
        // a service that authenticates cannot run without the key secret: it stops at startup, not at its first request
        keys.hasher();
        if (adminKey != null && adminKey.length() < AuthConfig.MIN_SECRET_LENGTH) {
            throw new IllegalStateException("fleet.auth.admin-key (FLEET_ADMIN_KEY) must have at least " + AuthConfig.MIN_SECRET_LENGTH + " characters");
        }
    }

    /** Requires a key on every request under {@code path} (e.g. {@code /v1/*}). */
    public void protect(Router router, String path) {
        router.route(path).order(ORDER).handler(this::handle);
    }

    /** The authenticated caller of a request that passed this handler. */
    public static Caller caller(RoutingContext ctx) {
        Caller caller = ctx.get(CALLER);
        if (caller == null) {
            throw new IllegalStateException("no caller: " + ctx.request().path() + " is not behind BearerAuthentication");
        }
        return caller;
    }

    private void handle(RoutingContext ctx) {
        Context context = Vertx.currentContext();
        ctx.request().pause();
        authenticate(ctx.request().getHeader("Authorization")).subscribe().with(
                caller -> context.runOnContext(v -> {
                    ctx.put(CALLER, caller);
                    ctx.request().resume();
                    ctx.next();
                }),
                failure -> context.runOnContext(v -> refuse(ctx, failure)));
    }

    /** The caller an {@code Authorization} header names; fails with a 401 {@link FleetException} (503 when Redis fails). */
    public Uni<Caller> authenticate(String authorization) {
        String token = bearerToken(authorization);
        if (token == null) {
            return Uni.createFrom().failure(unauthorized("No API key provided: send 'Authorization: Bearer <key>'."));
        }
        if (adminKey != null && keys.hasher().same(token, adminKey)) {
            return Uni.createFrom().item(Caller.ADMIN);
        }
        if (!KeyHasher.wellFormed(token)) {
            return Uni.createFrom().failure(unauthorized("Malformed API key: a key is 'fk_' and 43 letters, digits, '-' or '_'."));
        }
        return keys.find(token)
                .onFailure().transform(failure -> {
                    LOG.errorf("API key lookup failed (state Redis): %s", failure.toString());
                    return FleetException.serverError(503, "auth_unavailable", "Keys cannot be checked right now; retry shortly.", 1L);
                })
                .map(caller -> {
                    if (caller == null) {
                        throw unauthorized("Incorrect API key provided (unknown or revoked).");
                    }
                    return caller;
                });
    }

    private static String bearerToken(String authorization) {
        if (authorization == null || authorization.length() < 8 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = authorization.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    private static FleetException unauthorized(String message) {
        return FleetException.rejected(401, "invalid_api_key", message);
    }

    private void refuse(RoutingContext ctx, Throwable failure) {
        FleetException e = failure instanceof FleetException fleet ? fleet
                : FleetException.serverError(500, "internal_error", "Internal error while checking the API key.");
        if (!(failure instanceof FleetException)) {
            LOG.errorf(failure, "authentication failed unexpectedly");
        }
        if (e.status() == 401) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
        }
        ctx.request().resume();
        ErrorResponses.write(ctx.response(), mapper, e);
    }
}
