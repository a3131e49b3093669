package dev.llmfleet.providersim.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where a streamed completion carries its charge; the real provider does not document it. */
public enum StreamChargeMode {
    /** {@code X-MDB-Charged-USD}/{@code X-MDB-Balance-USD} as response headers, before the body. */
    @JsonProperty("header") HEADER,
    /** The same two names as HTTP/1.1 chunked trailers, after the body. */
    @JsonProperty("trailer") TRAILER,
    /** A final {@code mdb.charge} SSE data event before {@code [DONE]}. */
    @JsonProperty("event") EVENT
}
