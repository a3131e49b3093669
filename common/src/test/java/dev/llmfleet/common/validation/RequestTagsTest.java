package dev.llmfleet.common.validation;

import dev.llmfleet.common.TestConfig;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.config.Features;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class RequestTagsTest {
    private final Features features = new Features(TestConfig.fleet());

    @Test
    void theKnownFeaturesAreTheDefaultAndEveryConfiguredOne() {
        assertThat(features.known()).containsExactly("default", "doc-summarize", "product-enrich", "search-index", "support-chat", "ticket-classify");
        assertThat(features.bounded("support-chat")).isEqualTo("support-chat");
        assertThat(features.bounded("made-up")).isEqualTo(Features.OTHER);
        assertThat(features.bounded(null)).isEqualTo(Features.OTHER);
    }

    @Test
    void aFeatureIsKnownOrRefusedNamingTheKnownOnes() {
        assertThat(RequestTags.feature(null, RequestTags.FEATURE_HEADER, features)).isEqualTo("default");
        assertThat(RequestTags.feature(" ", RequestTags.FEATURE_HEADER, features)).isEqualTo("default");
        assertThat(RequestTags.feature("doc-summarize", "feature", features)).isEqualTo("doc-summarize");

        FleetException unknown = catchThrowableOfType(FleetException.class, () -> RequestTags.feature("made-up", "feature", features));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.code()).isEqualTo("unknown_feature");
        assertThat(unknown.param()).isEqualTo("feature");
        assertThat(unknown.getMessage()).contains("made-up").contains("support-chat, ticket-classify");

        FleetException malformed = catchThrowableOfType(FleetException.class,
                () -> RequestTags.feature("no spaces", RequestTags.FEATURE_HEADER, features));
        assertThat(malformed.code()).isEqualTo("invalid_feature");
        assertThat(malformed.param()).isEqualTo("X-Fleet-Feature");
    }

    @Test
    void anIdempotencyKeyIsPrintableAsciiOfAtMost255Characters() {
        assertThat(RequestTags.isIdempotencyKey("order-42:retry ~1")).isTrue();
        assertThat(RequestTags.isIdempotencyKey("k".repeat(255))).isTrue();
        assertThat(RequestTags.isIdempotencyKey("k".repeat(256))).isFalse();
        assertThat(RequestTags.isIdempotencyKey("   ")).isFalse();
        assertThat(RequestTags.isIdempotencyKey("a\tb")).isFalse();
        assertThat(RequestTags.isIdempotencyKey("a\r\nX-Injected: 1")).isFalse();
        assertThat(RequestTags.isIdempotencyKey("cl\u00e9")).isFalse();
        FleetException refused = catchThrowableOfType(FleetException.class, () -> RequestTags.checkIdempotencyKey("a\u0000b"));
        assertThat(refused.code()).isEqualTo("invalid_idempotency_key");
        assertThat(refused.param()).isEqualTo("Idempotency-Key");
    }
}
