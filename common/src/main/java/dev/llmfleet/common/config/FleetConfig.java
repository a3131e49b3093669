package dev.llmfleet.common.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithDefaults;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The completion pipeline's rules: features, the fleet's price book, routing, request limits and the cache. */
@ConfigMapping(prefix = "fleet")
public interface FleetConfig {

    /** Feature assumed when a request carries no {@code X-Fleet-Feature}. */
    @WithDefault("default")
    String defaultFeature();

    /** Rules per feature; a feature not listed gets every default below. */
    @WithDefaults
    Map<String, Feature> features();

    /** The fleet's price book by model ({@code vendor/model}); a model not listed is refused as unknown. */
    Map<String, Model> models();

    /** Which model actually serves a request. */
    Routing routing();

    /** Bounds that stop anomalies before they cost anything. */
    Limits limits();

    /** The shared Redis answer cache (its Redis timeout is {@code fleet.redis.cache-timeout}, see RedisTimeouts). */
    Cache cache();

    /** Per-feature rules. */
    interface Feature {
        /** Highest {@code max_tokens} the feature may ask for; larger asks are lowered to it. */
        @WithDefault("1024")
        int maxTokensCap();

        /** {@code max_tokens} used when a request names none. */
        @WithDefault("512")
        int defaultMaxTokens();

        /** Largest prompt, in tokens, after trimming; larger prompts are refused. */
        @WithDefault("16000")
        int maxPromptTokens();

        /** Longest single message content in tokens before trimming cuts it (0 = never trim). */
        @WithDefault("0")
        int trimMessageTokens();

        /** Cost cap for one request in USD: checked before the call and sent to the provider. */
        @WithDefault("0.50")
        BigDecimal maxCostUsd();

        /** Whether answers of this feature are cached and reused. */
        @WithDefault("true")
        boolean cacheEnabled();

        /** How long a cached answer is reused. */
        @WithDefault("1h")
        Duration cacheTtl();

        /** Whether short, simple requests of this feature may go to a cheaper model. */
        @WithDefault("true")
        boolean routeEasy();

        /** A model every request of this feature uses, whatever it asks for. */
        Optional<String> model();
    }

    /** One model of the price book. */
    interface Model {
        /** USD per million prompt tokens. */
        BigDecimal inputUsdPerMillion();

        /** USD per million completion tokens. */
        BigDecimal outputUsdPerMillion();

        /** Context window in tokens (prompt plus completion). */
        @WithDefault("128000")
        int contextWindow();
    }

    /** Routing rules. */
    interface Routing {
        /** Cheaper model that serves easy traffic asked of a model: {@code fleet.routing.easy-target."openai/gpt-4o"=openai/gpt-4o-mini}. */
        Map<String, String> easyTarget();

        /** A request is easy when its prompt has at most this many tokens... */
        @WithDefault("400")
        int easyMaxPromptTokens();

        /** ...and it asks for at most this many output tokens. */
        @WithDefault("64")
        int easyMaxTokens();

        /** Models tried in order when a model answers 503 / unavailable. */
        Map<String, List<String>> fallbacks();
    }

    /** Request limits. */
    interface Limits {
        /** Most messages in one request. */
        @WithDefault("256")
        int maxMessages();

        /** Most characters over all message contents, checked before any tokenising (the cheap first bound). */
        @WithDefault("200000")
        int maxPromptChars();

        /** Highest {@code max_tokens} any request may name. */
        @WithDefault("32768")
        int maxTokens();

        /** Largest request body in bytes; larger bodies are refused with 413 before parsing. */
        @WithDefault("1048576")
        int maxBodyBytes();

        /**
         * Most bytes, as JSON, of every request field but {@code messages} (sampling parameters, {@code metadata}, ...);
         * they are forwarded, cached on and carried in a job's Kafka record, so a batch line cannot grow them either.
         */
        @WithDefault("32768")
        int maxParameterBytes();
    }

    /** Cache rules shared by all features. */
    interface Cache {
        /** Only requests with a temperature at or below this are cached (their answer can be reused). */
        @WithDefault("0")
        double maxTemperature();

        /** Whether tenants share cached answers (an identical request of another tenant is a hit); by default each tenant has its own. */
        @WithDefault("false")
        boolean sharedAcrossTenants();

        /**
         * How long a request waits for an identical one in flight (same cache key) to store its answer, instead of
         * calling the provider too; past it, it calls itself. 0 turns coalescing off.
         */
        @WithDefault("30s")
        Duration coalesceWait();

        /** How soon a waiting request first looks again for the answer (and for a lease its holder gave up); doubled each time up to 250 ms. */
        @WithDefault("20ms")
        Duration coalescePoll();
    }
}
