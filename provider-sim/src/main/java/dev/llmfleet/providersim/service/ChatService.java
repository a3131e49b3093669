package dev.llmfleet.providersim.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Decides the answer to a chat completion: price-book lookup, honest token counts, cost cap,
 * injected faults, deterministic text and the debit. Pure logic, no I/O: how and when the answer
 * is written is the HTTP layer's business.
 */
@ApplicationScoped
public class ChatService {

    /** Generated answers are 20..150 tokens long before limits apply. */
    private static final int MIN_ANSWER_TOKENS = 20;
    private static final int ANSWER_TOKEN_SPREAD = 131;
    /** OpenAI chat accounting: each message costs 3 tokens of framing, a name 1 more, the reply priming 3. */
    private static final int TOKENS_PER_MESSAGE = 3;
    private static final int TOKENS_PER_NAME = 1;
    private static final int REPLY_PRIMING_TOKENS = 3;

    /**
     * A decided, charged answer and how to deliver it.
     *
     * @param stallMs    extra delay before the first byte (0 unless a stall was injected)
     * @param dropStream close the connection mid-stream (streams only)
     */
    public record Answer(Completion completion, BigDecimal charged, BigDecimal balanceAfter, long stallMs, boolean dropStream) {
    }

    private final PriceBook prices;
    private final TokenCounter tokens;
    private final TextGenerator text;
    private final Ledger ledger;

    @Inject
    public ChatService(PriceBook prices, TokenCounter tokens, TextGenerator text, Ledger ledger) {
        this.prices = prices;
        this.tokens = tokens;
        this.text = text;
        this.ledger = ledger;
    }

    /**
     * Answers and debits one call.
     *
     * @param costCapHeader raw value of the cost-cap header, or null
     * @throws ApiException for every non-success answer; none of them is charged
     */
    public Answer answer(ChatRequest request, String costCapHeader, RuntimeSettings settings) {
        PriceBook.Model model = prices.find(request.model());
        if (model == null) {
            throw ApiException.modelNotFound(request.model());
        }
        if (settings.unavailableModels().contains(model.id())) {
            throw new ApiException(503, "server_error", "model_unavailable",
                    "The model '" + model.id() + "' is temporarily unavailable. Please retry later or use another model.");
        }
        if (settings.rejectedContent() != null && request.messages().stream()
                .anyMatch(m -> m.content() != null && m.content().contains(settings.rejectedContent()))) {
            throw ApiException.invalidRequest("content_policy_violation", "messages",
                    "The request was rejected by the content policy.");
        }
        int promptTokens = promptTokens(request);
        if (promptTokens >= model.contextWindow()) {
            throw ApiException.invalidRequest("context_length_exceeded", "messages",
                    "This model's maximum context length is " + model.contextWindow() + " tokens. However, your messages resulted in "
                            + promptTokens + " tokens.");
        }
        long capLimit = Long.MAX_VALUE;
        if (costCapHeader != null) {
            capLimit = PriceBook.maxCompletionTokensWithin(model, promptTokens, parseCap(costCapHeader));
            if (capLimit < 0) {
                throw ApiException.invalidRequest("cost_cap_exceeded", null, "The prompt alone (" + promptTokens
                        + " tokens) costs more than the cost cap of " + costCapHeader.trim() + " USD.");
            }
        }
        injectFault(settings);
        if (ledger.balance().signum() <= 0) {
            // Fast path only; Ledger.debit re-checks under its lock.
            throw ApiException.insufficientBalance();
        }

        long seed = seed(request);
        int wanted = MIN_ANSWER_TOKENS + (int) Math.floorMod(seed, (long) ANSWER_TOKEN_SPREAD);
        long limit = Math.min(capLimit, model.contextWindow() - promptTokens);
        if (request.maxTokens() != null) {
            limit = Math.min(limit, request.maxTokens());
        }
        int completionTokens = (int) Math.min(wanted, limit);
        String finishReason = completionTokens < wanted ? "length" : "stop";

        BigDecimal charge = PriceBook.charge(model, promptTokens, completionTokens);
        BigDecimal balanceAfter = ledger.debit(model.id(), promptTokens, completionTokens, charge);
        Completion completion = new Completion(newId(), System.currentTimeMillis() / 1000, model.id(),
                text.pieces(seed, completionTokens), promptTokens, completionTokens, finishReason);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long stallMs = random.nextDouble() < settings.stallRate() ? settings.stallMs() : 0;
        boolean drop = request.stream() && random.nextDouble() < settings.dropStreamRate();
        return new Answer(completion, charge, balanceAfter, stallMs, drop);
    }

    /** Prompt tokens as OpenAI bills a chat request. */
    public int promptTokens(ChatRequest request) {
        int total = REPLY_PRIMING_TOKENS;
        for (ChatRequest.Message m : request.messages()) {
            total += TOKENS_PER_MESSAGE + tokens.count(m.role()) + tokens.count(m.content());
            if (m.name() != null) {
                total += TOKENS_PER_NAME + tokens.count(m.name());
            }
        }
        return total;
    }

    /** One roll decides the injected fault, if any: 429, 500, 502 or 503 in proportion to their rates. */
    private static void injectFault(RuntimeSettings s) {
        double total = s.error429Rate() + s.error500Rate() + s.error502Rate() + s.error503Rate();
        if (total <= 0) {
            return;
        }
        double roll = ThreadLocalRandom.current().nextDouble();
        if (roll < s.error429Rate()) {
            // Random throttling, as a busy provider does regardless of the client's own rate.
            long wait = s.error429RetryAfterS();
            throw ApiException.rateLimited("Rate limit reached for requests. Please retry after " + wait + (wait == 1 ? " second." : " seconds."), wait);
        } else if (roll < s.error429Rate() + s.error500Rate()) {
            throw ApiException.serverError(500);
        } else if (roll < s.error429Rate() + s.error500Rate() + s.error502Rate()) {
            throw ApiException.serverError(502);
        } else if (roll < total) {
            throw ApiException.serverError(503);
        }
    }

    private static BigDecimal parseCap(String raw) {
        try {
            BigDecimal cap = new BigDecimal(raw.trim());
            if (cap.signum() >= 0) {
                return cap;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.invalidRequest("invalid_cost_cap", null, "The cost cap header must be a decimal USD amount >= 0.");
    }

    /** Same model, messages and max_tokens give the same answer text (FNV-1a style mix of the string hashes). */
    private static long seed(ChatRequest request) {
        long h = 0xcbf29ce484222325L;
        h = (h ^ request.model().hashCode()) * 0x100000001b3L;
        for (ChatRequest.Message m : request.messages()) {
            h = (h ^ m.role().hashCode()) * 0x100000001b3L;
            h = (h ^ m.content().hashCode()) * 0x100000001b3L;
        }
        h = (h ^ (request.maxTokens() == null ? -1 : request.maxTokens())) * 0x100000001b3L;
        return h ^ (h >>> 29);
    }

    private static String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "chatcmpl-" + Long.toHexString(r.nextLong() | Long.MIN_VALUE) + Long.toHexString(r.nextLong() | Long.MIN_VALUE);
    }
}
