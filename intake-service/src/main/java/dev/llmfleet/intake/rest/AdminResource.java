package dev.llmfleet.intake.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.common.api.ErrorBody;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.auth.ApiKey;
import dev.llmfleet.common.auth.ApiKeyStore;
import dev.llmfleet.common.auth.BearerAuthentication;
import dev.llmfleet.common.auth.TenantSettings;
import dev.llmfleet.intake.service.KeyRequests;
import dev.llmfleet.intake.service.RequestJson;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;

/**
 * The admin API, behind the admin key: tenants' API keys (created, listed, changed, revoked) and tenant budgets. A new
 * key is answered once, in the creation's answer; the fleet keeps only its keyed hash and never shows that either.
 */
@Path("/v1/admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Admin", description = "API keys and tenants; needs the admin key (FLEET_ADMIN_KEY)")
public class AdminResource {
    private static final Logger LOG = Logger.getLogger(AdminResource.class);

    private final ApiKeyStore keys;
    private final KeyRequests requests;
    private final ObjectMapper mapper;

    public AdminResource(ApiKeyStore keys, KeyRequests requests, ObjectMapper mapper) {
        this.keys = keys;
        this.requests = requests;
        this.mapper = mapper;
    }

    /** The list of keys: {@code {object: "list", data: [key…]}}, never a key or its hash. */
    public record KeyList(String object, List<ApiKey> data) {
    }

    @POST
    @Path("/keys")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an API key", description = "{tenant, name, features?, models?, requests_per_minute?, tokens_per_minute?, "
            + "max_concurrent?, monthly_budget_usd?}; empty features or models: all. The answer's 'key' is shown this once.")
    @APIResponse(responseCode = "201", description = "The key's settings, its id and, this once, the key")
    @APIResponse(responseCode = "400", description = "A field is unknown, of the wrong type or out of range (error.param names it)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    public Uni<Response> create(byte[] body, @Context RoutingContext exchange) {
        BearerAuthentication.caller(exchange).requireAdmin();
        ApiKey key = requests.create(parse(body));
        return keys.create(key).map(secret -> {
            LOG.infof("API key %s created for tenant %s", key.id(), key.tenant());
            ObjectNode created = mapper.valueToTree(key);
            created.put("key", secret);
            return Response.status(201).header("Location", "/v1/admin/keys/" + key.id()).entity(created).build();
        });
    }

    @GET
    @Path("/keys")
    @Operation(summary = "List API keys", description = "Every key's id and settings, oldest first; never a key or its hash")
    public Uni<KeyList> list(@Context RoutingContext exchange) {
        BearerAuthentication.caller(exchange).requireAdmin();
        return keys.list().map(all -> new KeyList("list", all));
    }

    @PATCH
    @Path("/keys/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Change an API key", description = "Any of name, features, models, requests_per_minute, tokens_per_minute, "
            + "max_concurrent, monthly_budget_usd (null clears a limit); the tenant never changes. Every replica applies it to the next request.")
    @APIResponse(responseCode = "404", description = "No such key (key_not_found)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    public Uni<ApiKey> update(@PathParam("id") String id, byte[] body, @Context RoutingContext exchange) {
        BearerAuthentication.caller(exchange).requireAdmin();
        JsonNode patch = parse(body);
        return keys.update(id, old -> requests.patch(old, patch))
                .onItem().ifNull().failWith(() -> keyNotFound(id))
                .invoke(key -> LOG.infof("API key %s of tenant %s changed", key.id(), key.tenant()));
    }

    @DELETE
    @Path("/keys/{id}")
    @Operation(summary = "Revoke an API key", description = "Every replica refuses the key (401) from its next request on")
    @APIResponse(responseCode = "404", description = "No such key (key_not_found)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorBody.class)))
    public Uni<Map<String, Object>> revoke(@PathParam("id") String id, @Context RoutingContext exchange) {
        BearerAuthentication.caller(exchange).requireAdmin();
        return keys.delete(id).map(existed -> {
            if (!existed) {
                throw keyNotFound(id);
            }
            LOG.infof("API key %s revoked", id);
            return Map.of("id", id, "object", "api_key", "deleted", true);
        });
    }

    @GET
    @Path("/tenants/{tenant}")
    @Operation(summary = "Read a tenant's settings", description = "{tenant, monthly_budget_usd} (null: no tenant budget)")
    public Uni<TenantSettings> tenant(@PathParam("tenant") String tenant, @Context RoutingContext exchange) {
        BearerAuthentication.caller(exchange).requireAdmin();
        return keys.tenant(requests.tenant(tenant));
    }

    @PUT
    @Path("/tenants/{tenant}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set a tenant's settings", description = "{monthly_budget_usd}: what all its keys together may spend per month (null: none)")
    public Uni<TenantSettings> saveTenant(@PathParam("tenant") String tenant, byte[] body, @Context RoutingContext exchange) {
        BearerAuthentication.caller(exchange).requireAdmin();
        return keys.saveTenant(requests.tenantSettings(tenant, parse(body)))
                .invoke(saved -> LOG.infof("tenant %s monthly budget set to %s", saved.tenant(), saved.monthlyBudgetUsd()));
    }

    private JsonNode parse(byte[] body) {
        return body.length == 0 ? null : RequestJson.body(mapper, body);
    }

    private static FleetException keyNotFound(String id) {
        return FleetException.rejected(404, "key_not_found", "No API key with id '" + id + "'.");
    }
}
