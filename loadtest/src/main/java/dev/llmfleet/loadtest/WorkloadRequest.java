package dev.llmfleet.loadtest;

/** One line of a workload JSONL file, with its OpenAI chat body already serialised for sending. */
public record WorkloadRequest(String id, String lane, String feature, String priority, boolean expectReject, byte[] body, boolean stream) {
}
