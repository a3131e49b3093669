package dev.llmfleet.providersim.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.providersim.config.SimConfig;
import dev.llmfleet.providersim.json.SimJson;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

/** Holds the current {@link RuntimeSettings}; start values come from {@code sim.*} configuration. */
@ApplicationScoped
public class SettingsService {

    private final RuntimeSettings initial;
    private final AtomicReference<RuntimeSettings> current;

    @Inject
    public SettingsService(SimConfig config) {
        this.initial = RuntimeSettings.from(config);
        this.current = new AtomicReference<>(initial);
    }

    public RuntimeSettings get() {
        return current.get();
    }

    /**
     * Applies a partial update (snake_case keys of {@link RuntimeSettings}); all or nothing.
     *
     * @throws ApiException 400 on an unknown key, a wrong type or an out-of-range value
     */
    public synchronized RuntimeSettings update(ObjectNode patch) {
        ObjectNode merged = SimJson.MAPPER.valueToTree(current.get());
        merged.setAll(patch);
        try {
            RuntimeSettings next = SimJson.MAPPER.treeToValue(merged, RuntimeSettings.class);
            current.set(next);
            return next;
        } catch (UnrecognizedPropertyException e) {
            throw ApiException.invalidRequest("unknown_setting", "Unknown or read-only setting '" + e.getPropertyName() + "'.");
        } catch (IOException | IllegalArgumentException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            String message = root instanceof IllegalArgumentException ? root.getMessage()
                    : e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
            throw ApiException.invalidRequest("invalid_setting", "Invalid settings: " + message);
        }
    }

    /** Back to the start-up configuration. */
    public void restore() {
        current.set(initial);
    }

    /** Exposed for {@link JsonNode} rendering by the admin API. */
    public JsonNode toJson() {
        return SimJson.MAPPER.valueToTree(current.get());
    }
}
