package dev.llmfleet.localstack;

/**
 * Entry point of the broker's child JVM: runs {@code kafka.Kafka} and halts if the parent dies, so a
 * killed launcher or test JVM never leaves an orphan broker behind.
 */
public final class KafkaBrokerMain {
    private KafkaBrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        ExitWithParent.arm();
        kafka.Kafka.main(args);
    }
}
