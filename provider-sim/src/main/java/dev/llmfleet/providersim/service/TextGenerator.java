package dev.llmfleet.providersim.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic filler text whose token count is known without encoding it: every piece it emits
 * (" word", " Word", "Word" at the start, ".") is exactly one o200k_base token and a whole
 * pre-tokenizer chunk, so the count of the joined text is the number of pieces.
 */
@ApplicationScoped
public class TextGenerator {

    private static final String[] CANDIDATES = ("the model answer data system request time value user order service "
            + "price token stream cost report result number market team plan product support help work process "
            + "change quality review customer account balance payment credit limit window update message record "
            + "event table query index search cache store build test check run start stop load level rate share "
            + "point line page file text code name list item group part state part world life day year week hour "
            + "good new first last long great little own other old right big high different small large next early "
            + "young important few public bad same able clear simple fast slow safe open close real full free "
            + "is are was were be have has had do does make take give find tell ask show try call keep let put "
            + "mean become leave feel seem provide include continue set learn lead understand follow create speak "
            + "read allow add spend grow offer remember love consider appear buy wait serve send expect stay fall "
            + "and or but so because if when while then also only very often always never still just well here "
            + "there now soon today this that these those each every some many more most all any both such")
            .split(" ");
    private static final String PERIOD = ".";

    /** " word" mid-sentence, " Word" after a period, "Word" to open the text: same index, same word. */
    private final String[] spaced;
    private final String[] spacedCapitalised;
    private final String[] capitalised;

    @Inject
    public TextGenerator(TokenCounter tokens) {
        List<String> ok = new ArrayList<>();
        for (String w : CANDIDATES) {
            String cap = Character.toUpperCase(w.charAt(0)) + w.substring(1);
            if (!ok.contains(w) && tokens.count(" " + w) == 1 && tokens.count(" " + cap) == 1 && tokens.count(cap) == 1) {
                ok.add(w);
            }
        }
        if (ok.size() < 32 || tokens.count(PERIOD) != 1) {
            throw new IllegalStateException("tokenizer vocabulary check failed: only " + ok.size() + " single-token words");
        }
        spaced = ok.stream().map(w -> " " + w).toArray(String[]::new);
        capitalised = ok.stream().map(w -> Character.toUpperCase(w.charAt(0)) + w.substring(1)).toArray(String[]::new);
        spacedCapitalised = Arrays.stream(capitalised).map(w -> " " + w).toArray(String[]::new);
    }

    /** {@code count} one-token pieces of sentence-like text, the same for the same seed. */
    public String[] pieces(long seed, int count) {
        SplittableRandom random = new SplittableRandom(seed);
        String[] out = new String[count];
        int untilPeriod = 5 + random.nextInt(10);
        boolean sentenceStart = true;
        for (int i = 0; i < count; i++) {
            if (!sentenceStart && untilPeriod-- == 0) {
                out[i] = PERIOD;
                untilPeriod = 5 + random.nextInt(10);
                sentenceStart = true;
                continue;
            }
            int w = random.nextInt(spaced.length);
            if (sentenceStart) {
                out[i] = i == 0 ? capitalised[w] : spacedCapitalised[w];
                sentenceStart = false;
            } else {
                out[i] = spaced[w];
            }
        }
        return out;
    }
}
