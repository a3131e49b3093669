package dev.llmfleet.common.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.common.cache.AnswerStore;
import dev.llmfleet.common.cache.StoredAnswer;
import dev.llmfleet.common.pricing.PriceBook;
import dev.llmfleet.common.pricing.TokenCounter;
import dev.llmfleet.common.provider.ProviderReply;
import dev.llmfleet.common.provider.SseParser;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Streams: relays a provider's SSE chunks to the caller as they arrive (nothing buffered), keeps the
 * text for the cache, and settles the charge when the stream ends — from the provider's final charge
 * event, its trailer or its up-front header, else priced from the usage chunk and marked
 * {@code estimated}, so a streamed call is never recorded at $0. Also replays a stored answer as a stream.
 */
@Singleton
class StreamRelay {
    private final ObjectMapper mapper;
    private final TokenCounter tokens;
    private final PriceBook prices;
    private final AnswerStore answers;

    StreamRelay(ObjectMapper mapper, TokenCounter tokens, PriceBook prices, AnswerStore answers) {
        this.mapper = mapper;
        this.tokens = tokens;
        this.prices = prices;
        this.answers = answers;
    }

    Completion relay(ProviderReply reply, RunUsage run, AnswerTargets targets) {
        PreparedRequest prepared = run.prepared();
        StreamState state = new StreamState(reply.model());
        CompletableFuture<Completion.Charge> settled = new CompletableFuture<>();
        AtomicBoolean done = new AtomicBoolean();
        Multi<String> events = reply.stream()
                .onItem().transformToIterable(buffer -> state.parser.feed(buffer.getBytes()))
                .select().where(payload -> state.accept(payload, prepared.includeUsage()))
                .onCompletion().invoke(() -> settle("ok", reply, run, targets, state, done, settled))
                .onFailure().invoke(e -> settle("stream_dropped", reply, run, targets, state, done, settled))
                .onCancellation().invoke(() -> settle("cancelled", reply, run, targets, state, done, settled));
        BigDecimal upFront = reply.chargedHeader();
        BigDecimal earlier = run.context().spend().total();
        return new Completion(run.context().requestId(), reply.model(), "provider", upFront == null ? null : upFront.add(earlier),
                upFront == null ? null : reply.balanceHeader(), null, events, Uni.createFrom().completionStage(settled), null);
    }

    private void settle(String status, ProviderReply reply, RunUsage run, AnswerTargets targets, StreamState state, AtomicBoolean done,
                        CompletableFuture<Completion.Charge> settled) {
        PreparedRequest prepared = run.prepared();
        if (!done.compareAndSet(false, true)) {
            return;
        }
        MultiMap trailers = "ok".equals(status) ? reply.trailers().get() : null;
        int promptTokens = state.promptTokens >= 0 ? state.promptTokens : prepared.promptTokens();
        int completionTokens = state.completionTokens >= 0 ? state.completionTokens : tokens.count(state.text.toString());
        BigDecimal charged = state.eventCharge;
        BigDecimal balance = state.eventBalance;
        String source = "event";
        if (charged == null && trailers != null && trailers.get(ProviderReply.CHARGED_HEADER) != null) {
            charged = ProviderReply.decimal(trailers.get(ProviderReply.CHARGED_HEADER));
            balance = ProviderReply.decimal(trailers.get(ProviderReply.BALANCE_HEADER));
            source = "trailer";
        }
        if (charged == null && reply.chargedHeader() != null) {
            charged = reply.chargedHeader();
            balance = reply.balanceHeader();
            source = "header";
        }
        if (charged == null) {
            charged = prices.cost(reply.model(), promptTokens, completionTokens);
            source = "estimated";
        }
        run.answered(reply.model(), promptTokens, completionTokens, charged, balance, source, status);
        if ("ok".equals(status)) {
            StoredAnswer answer = new StoredAnswer(state.completion(mapper, promptTokens, completionTokens), reply.model(),
                    promptTokens, completionTokens, charged, targets.replayKey());
            targets.keep(answers, answer).subscribe().with(ignored -> { }, failure -> { });
        } else {
            targets.abandon();
        }
        settled.complete(new Completion.Charge(run.context().spend().total(), balance));
    }

    /** What one stream has shown so far. Touched only by the stream's own (serialised) callbacks. */
    private final class StreamState {
        final SseParser parser = new SseParser();
        final StringBuilder text = new StringBuilder();
        final String model;
        String id;
        long created;
        String finishReason;
        int promptTokens = -1;
        int completionTokens = -1;
        BigDecimal eventCharge;
        BigDecimal eventBalance;

        StreamState(String model) {
            this.model = model;
        }

        /** Takes in one payload; true when it goes on to the caller. */
        boolean accept(String payload, boolean includeUsage) {
            if ("[DONE]".equals(payload)) {
                return false;
            }
            JsonNode chunk;
            try {
                chunk = mapper.readTree(payload);
            } catch (IOException e) {
                return true;
            }
            if ("mdb.charge".equals(chunk.path("object").asText())) {
                eventCharge = ProviderReply.decimal(chunk.path("charged_usd").asText(null));
                eventBalance = ProviderReply.decimal(chunk.path("balance_usd").asText(null));
                return false;
            }
            if (id == null) {
                id = chunk.path("id").asText(null);
                created = chunk.path("created").asLong(Instant.now().getEpochSecond());
            }
            JsonNode usageNode = chunk.get("usage");
            if (usageNode != null && usageNode.isObject()) {
                promptTokens = usageNode.path("prompt_tokens").asInt(-1);
                completionTokens = usageNode.path("completion_tokens").asInt(-1);
                if (!chunk.path("choices").isArray() || chunk.path("choices").isEmpty()) {
                    return includeUsage;
                }
            }
            JsonNode choice = chunk.path("choices").path(0);
            String content = choice.path("delta").path("content").asText(null);
            if (content != null) {
                text.append(content);
            }
            if (choice.hasNonNull("finish_reason")) {
                finishReason = choice.get("finish_reason").asText();
            }
            return true;
        }

        ObjectNode completion(ObjectMapper json, int prompt, int completion) {
            ObjectNode node = json.createObjectNode();
            node.put("id", id == null ? "chatcmpl-fleet" : id).put("object", "chat.completion").put("created", created).put("model", model);
            ObjectNode choice = node.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", text.toString());
            choice.put("finish_reason", finishReason == null ? "stop" : finishReason);
            node.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completion).put("total_tokens", prompt + completion);
            return node;
        }
    }

    /** A stored answer as OpenAI stream chunks: the role, the text in a few pieces, the finish, the usage if asked. */
    static Multi<String> replay(ObjectMapper mapper, StoredAnswer stored, boolean includeUsage) {
        JsonNode completion = stored.completion();
        String id = completion.path("id").asText("chatcmpl-fleet");
        long created = completion.path("created").asLong(Instant.now().getEpochSecond());
        JsonNode choice = completion.path("choices").path(0);
        String text = choice.path("message").path("content").asText("");
        List<String> events = new ArrayList<>();
        events.add(chunk(mapper, id, created, stored.modelUsed(), delta -> delta.put("role", "assistant").put("content", ""), null));
        int piece = 64;
        for (int at = 0; at < text.length(); at += piece) {
            String part = text.substring(at, Math.min(text.length(), at + piece));
            events.add(chunk(mapper, id, created, stored.modelUsed(), delta -> delta.put("content", part), null));
        }
        events.add(chunk(mapper, id, created, stored.modelUsed(), delta -> { }, choice.path("finish_reason").asText("stop")));
        if (includeUsage) {
            ObjectNode usageChunk = mapper.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                    .put("created", created).put("model", stored.modelUsed());
            usageChunk.putArray("choices");
            usageChunk.putObject("usage").put("prompt_tokens", stored.promptTokens()).put("completion_tokens", stored.completionTokens())
                    .put("total_tokens", stored.promptTokens() + stored.completionTokens());
            events.add(usageChunk.toString());
        }
        return Multi.createFrom().iterable(events);
    }

    private static String chunk(ObjectMapper mapper, String id, long created, String model,
                                java.util.function.Consumer<ObjectNode> delta, String finishReason) {
        ObjectNode node = mapper.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model);
        ObjectNode choice = node.putArray("choices").addObject().put("index", 0);
        delta.accept(choice.putObject("delta"));
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return node.toString();
    }
}
