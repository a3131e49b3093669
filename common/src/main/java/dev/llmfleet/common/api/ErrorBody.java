package dev.llmfleet.common.api;

/** The OpenAI error envelope every endpoint answers with. */
public record ErrorBody(Error error) {

    /** The error itself: a human message, a broad type, a machine code and the field it is about (null when none). */
    public record Error(String message, String type, String code, String param) {
    }

    public static ErrorBody of(FleetException e) {
        return new ErrorBody(new Error(e.getMessage(), e.type(), e.code(), e.param()));
    }
}
