package dev.llmfleet.common.provider;

/**
 * The provider calls {@link ProviderGateway} makes for one request: how many left the fleet, the last one's
 * model, and who hears of each one that failed (every attempt is metered and billed on its own, so a paid
 * retry is never hidden behind an earlier failure). Calls of one request are sequential, never concurrent.
 */
public final class ProviderCalls {
    private final FailedCall onFailure;
    private int made;
    private String model;

    /** Told of a call that reached the provider (or timed out on the way) and did not answer 200. */
    @FunctionalInterface
    public interface FailedCall {
        void failed(int number, String model, ProviderException failure);
    }

    public ProviderCalls(FailedCall onFailure) {
        this.onFailure = onFailure;
    }

    void started(String model) {
        made++;
        this.model = model;
    }

    /** The bulkhead refused the call before it left: it was not a provider call. */
    void refused() {
        made--;
    }

    void failed(ProviderException failure) {
        onFailure.failed(made, model, failure);
    }

    /** Provider calls made so far; the number of the latest. */
    public int made() {
        return made;
    }

    /** The model of the latest call. */
    public String model() {
        return model;
    }
}
