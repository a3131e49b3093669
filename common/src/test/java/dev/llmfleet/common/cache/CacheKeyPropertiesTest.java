package dev.llmfleet.common.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.TestConfig;
import dev.llmfleet.common.config.FleetConfig;
import dev.llmfleet.common.pipeline.RequestPreparer;
import dev.llmfleet.common.pricing.PriceBook;
import dev.llmfleet.common.pricing.TokenCounter;
import dev.llmfleet.common.prompt.PromptNormaliser;
import dev.llmfleet.common.validation.ChatRequestValidator;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * The cache key of a request, through the real validator, normaliser and key (RequestPreparer, AnswerKeys), on generated
 * requests: two spellings of one meaning get one key (JSON key order, number spelling, whitespace and Unicode
 * compatibility forms the normaliser folds, content as a string or as text parts, a parameter at its default spelled out
 * or left out, a stop list in any order); a change of anything that changes the answer gets another key.
 * <p>
 * Property-based with QuickTheories: each property runs on 200 generated examples from a random seed; a failure reports
 * its smallest example and "Seed was N", and {@code -DQT_SEED=N} replays that run.
 */
class CacheKeyPropertiesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FleetConfig CONFIG = TestConfig.fleet();
    private static final TokenCounter TOKENS = new TokenCounter();
    private static final RequestPreparer PREPARER = new RequestPreparer(CONFIG, new ChatRequestValidator(CONFIG),
            new PromptNormaliser(TOKENS), TOKENS, new PriceBook(CONFIG));
    private static final List<String> ROLES = List.of("system", "developer", "user", "assistant");
    private static final List<String> MODELS = List.of("openai/gpt-4o", "openai/gpt-4o-mini", "google/gemini-2.0-flash");
    private static final List<String> WHITESPACE = List.of(" ", "  ", "\n", "\t", " \r\n ", "\u00a0", "\u2003");

    /** One message: its role and its words (what the normaliser leaves of its content). */
    record Message(String role, List<String> words) {
        String text() {
            return String.join(" ", words);
        }
    }

    /** What a request means; null fields are left to their defaults. */
    record Meaning(String model, List<Message> messages, Integer maxTokens, BigDecimal temperature, Long seed, List<String> stop,
                   Map<String, Object> schema) {
    }

    private static Gen<Meaning> meanings() {
        Gen<String> word = text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,?\u00e9\u4e2d", 1, 8);
        Gen<Message> message = Generate.pick(ROLES).zip(lists().of(word).ofSizeBetween(1, 6), Message::new);
        Gen<List<Message>> messages = lists().of(message).ofSizeBetween(0, 3).zip(lists().of(word).ofSizeBetween(1, 6),
                (others, userWords) -> {
                    List<Message> all = new ArrayList<>(others);
                    all.add(new Message("user", userWords));
                    return all;
                });
        Gen<BigDecimal> temperature = integers().between(0, 200).map(hundredths -> BigDecimal.valueOf(hundredths, 2));
        Gen<List<String>> stop = lists().of(word).ofSizeBetween(1, 4).map(words -> List.copyOf(new LinkedHashSet<>(words)));
        Gen<Object> schemaValue = Generate.oneOf(integers().between(0, 9).map(Object.class::cast), word.map(Object.class::cast));
        Gen<Map<String, Object>> schema = lists().of(text("abcde", 1, 3).zip(schemaValue, Map::entry)).ofSizeBetween(1, 4)
                .map(entries -> entries.stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (first, second) -> first,
                        TreeMap::new)));
        Gen<Meaning> modelAndMessages = Generate.pick(MODELS).zip(messages, sometimes(integers().between(1, 1024), 50),
                sometimes(temperature, 70), (model, ms, maxTokens, t) -> new Meaning(model, ms, maxTokens, t, null, null, null));
        return modelAndMessages.zip(sometimes(longs().all(), 30), sometimes(stop, 30), sometimes(schema, 30),
                (m, seed, stops, schemaOrNull) -> new Meaning(m.model(), m.messages(), m.maxTokens(), m.temperature(), seed, stops,
                        schemaOrNull));
    }

    /** Strings of minLength to maxLength characters, each from the alphabet. */
    private static Gen<String> text(String alphabet, int minLength, int maxLength) {
        return lists().of(integers().between(0, alphabet.length() - 1).map(alphabet::charAt)).ofSizeBetween(minLength, maxLength)
                .map(chars -> chars.stream().map(String::valueOf).collect(Collectors.joining()));
    }

    /** The generator's value in percent of the examples, else null (left to its default). */
    private static <T> Gen<T> sometimes(Gen<T> gen, int percent) {
        return gen.toOptionals(100 - percent).map(value -> value.orElse(null));
    }

    @Test
    void everySpellingOfOneMeaningHasOneKey() {
        qt().withExamples(200).forAll(meanings(), longs().all()).checkAssert((meaning, seed) -> {
            String plain = key(Spelling.plain(meaning));
            String spelled = Spelling.random(meaning, new Random(seed));
            assertThat(key(spelled)).as(spelled).isEqualTo(plain);
        });
    }

    @Test
    void changingWhatChangesTheAnswerChangesTheKey() {
        qt().withExamples(200).forAll(meanings(), Generate.enumValues(Change.class))
                .assuming((meaning, change) -> change.appliesTo(meaning))
                .checkAssert((meaning, change) -> {
                    Meaning changed = change.apply(meaning);
                    assertThat(key(Spelling.plain(changed))).as(change + ": " + Spelling.plain(changed))
                            .isNotEqualTo(key(Spelling.plain(meaning)));
                });
    }

    /** One change that must change the answer. */
    enum Change {
        MODEL, ROLE, CONTENT, MESSAGE_ADDED, MESSAGE_ORDER, MAX_TOKENS, TEMPERATURE, SEED, STOP, SCHEMA;

        /** Whether the change can be made: a role change and a swap need two messages, a swap two different ones. */
        boolean appliesTo(Meaning m) {
            List<Message> messages = m.messages();
            return switch (this) {
                case ROLE -> messages.size() > 1;
                case MESSAGE_ORDER -> messages.size() > 1 && !messages.get(0).equals(messages.get(1));
                default -> true;
            };
        }

        Meaning apply(Meaning m) {
            List<Message> messages = new ArrayList<>(m.messages());
            Message last = messages.get(messages.size() - 1);
            return switch (this) {
                case MODEL -> with(m, MODELS.get((MODELS.indexOf(m.model()) + 1) % MODELS.size()));
                case ROLE -> {
                    // the first of several messages (the last is always a user's, so the request stays valid)
                    Message first = messages.get(0);
                    messages.set(0, new Message(ROLES.get((ROLES.indexOf(first.role()) + 1) % ROLES.size()), first.words()));
                    yield withMessages(m, messages);
                }
                case CONTENT -> {
                    List<String> words = new ArrayList<>(last.words());
                    words.add("more");
                    messages.set(messages.size() - 1, new Message(last.role(), words));
                    yield withMessages(m, messages);
                }
                case MESSAGE_ADDED -> {
                    messages.add(0, new Message("system", List.of("Be", "brief.")));
                    yield withMessages(m, messages);
                }
                case MESSAGE_ORDER -> {
                    Collections.swap(messages, 0, 1);
                    yield withMessages(m, messages);
                }
                case MAX_TOKENS -> new Meaning(m.model(), m.messages(), m.maxTokens() == null || m.maxTokens() == 1 ? 7 : m.maxTokens() - 1,
                        m.temperature(), m.seed(), m.stop(), m.schema());
                case TEMPERATURE -> new Meaning(m.model(), m.messages(), m.maxTokens(),
                        m.temperature() == null || m.temperature().compareTo(BigDecimal.ONE) == 0 ? new BigDecimal("0.3")
                                : m.temperature().compareTo(BigDecimal.ONE) > 0 ? m.temperature().subtract(new BigDecimal("0.01"))
                                : m.temperature().add(new BigDecimal("0.01")),
                        m.seed(), m.stop(), m.schema());
                case SEED -> new Meaning(m.model(), m.messages(), m.maxTokens(), m.temperature(), m.seed() == null ? 1L : m.seed() + 1,
                        m.stop(), m.schema());
                case STOP -> new Meaning(m.model(), m.messages(), m.maxTokens(), m.temperature(), m.seed(),
                        m.stop() == null ? List.of("END") : m.stop().size() > 1 ? m.stop().subList(1, m.stop().size()) : List.of(m.stop().get(0) + "!"),
                        m.schema());
                case SCHEMA -> {
                    Map<String, Object> schema = new TreeMap<>(m.schema() == null ? Map.of() : m.schema());
                    schema.merge("zz", 1, (a, b) -> (Integer) b + 1);
                    yield new Meaning(m.model(), m.messages(), m.maxTokens(), m.temperature(), m.seed(), m.stop(), schema);
                }
            };
        }

        private static Meaning with(Meaning m, String model) {
            return new Meaning(model, m.messages(), m.maxTokens(), m.temperature(), m.seed(), m.stop(), m.schema());
        }

        private static Meaning withMessages(Meaning m, List<Message> messages) {
            return new Meaning(m.model(), messages, m.maxTokens(), m.temperature(), m.seed(), m.stop(), m.schema());
        }
    }

    private static String key(String body) {
        try {
            return AnswerKeys.cache("t", PREPARER.prepare(JSON.readTree(body), "default").request());
        } catch (IOException e) {
            throw new UncheckedIOException(body, e);
        }
    }

    /** Writes a meaning as JSON text: plainly, or in a random one of its many spellings. */
    static final class Spelling {
        private final Random random;
        private final boolean plain;

        private Spelling(Random random, boolean plain) {
            this.random = random;
            this.plain = plain;
        }

        static String plain(Meaning meaning) {
            return new Spelling(new Random(0), true).write(meaning);
        }

        static String random(Meaning meaning, Random random) {
            return new Spelling(random, false).write(meaning);
        }

        private String write(Meaning m) {
            List<String> fields = new ArrayList<>();
            fields.add("\"model\":" + string(m.model()));
            List<String> messages = m.messages().stream().map(this::message).toList();
            fields.add("\"messages\":[" + String.join(",", messages) + "]");
            if (m.maxTokens() != null) {
                fields.add((chance() ? "\"max_completion_tokens\":" : "\"max_tokens\":") + m.maxTokens());
            } else if (chance()) {
                fields.add(chance() ? "\"max_tokens\":null" : "\"max_tokens\":" + CONFIG.features().get("default").defaultMaxTokens());
            }
            if (m.temperature() != null) {
                fields.add("\"temperature\":" + number(m.temperature()));
            } else if (chance()) {
                fields.add("\"temperature\":" + (chance() ? "null" : number(BigDecimal.ONE)));
            }
            if (m.seed() != null) {
                fields.add("\"seed\":" + m.seed());
            }
            if (m.stop() != null) {
                List<String> stop = new ArrayList<>(m.stop());
                if (!plain) {
                    Collections.shuffle(stop, random);
                }
                fields.add("\"stop\":" + (stop.size() == 1 && chance() ? string(stop.get(0))
                        : "[" + String.join(",", stop.stream().map(this::string).toList()) + "]"));
            }
            if (m.schema() != null) {
                fields.add("\"response_format\":" + object(List.of("\"type\":\"json_schema\"", "\"json_schema\":" + object(List.of(
                        "\"name\":\"s\"", "\"schema\":" + object(m.schema().entrySet().stream()
                                .map(e -> string(e.getKey()) + ":" + value(e.getValue())).toList()))))));
            } else if (chance()) {
                fields.add("\"response_format\":{\"type\":\"text\"}");
            }
            // fields at their defaults, or read by the fleet and never forwarded: none of them changes the answer
            if (chance()) {
                fields.add("\"top_p\":" + number(BigDecimal.ONE));
            }
            if (chance()) {
                fields.add("\"presence_penalty\":" + number(BigDecimal.ZERO));
            }
            if (chance()) {
                fields.add("\"frequency_penalty\":" + (chance() ? number(BigDecimal.ZERO) : "null"));
            }
            if (chance()) {
                fields.add("\"logit_bias\":{}");
            }
            if (chance()) {
                fields.add("\"n\":1");
            }
            if (chance()) {
                fields.add("\"stream\":" + (chance() ? "false" : "true"));
            }
            if (chance()) {
                fields.add("\"user\":\"u-" + random.nextInt(1000) + "\"");
            }
            if (chance()) {
                fields.add("\"metadata\":{\"trace\":\"t" + random.nextInt(1000) + "\"}");
            }
            return pad() + object(fields) + pad();
        }

        private String message(Message message) {
            String content;
            String text = spelledText(message.words());
            if (!plain && random.nextInt(3) == 0) {
                // the same text cut into text parts, which the validator joins
                int cut = random.nextInt(text.length() + 1);
                content = "[" + object(List.of("\"type\":\"text\"", "\"text\":" + string(text.substring(0, cut)))) + ","
                        + object(List.of("\"type\":\"text\"", "\"text\":" + string(text.substring(cut)))) + "]";
            } else {
                content = string(text);
            }
            return object(List.of("\"role\":" + string(message.role()), "\"content\":" + content));
        }

        /** The words, joined by whitespace runs the normaliser collapses, padded, letters in forms NFKC folds. */
        private String spelledText(List<String> words) {
            if (plain) {
                return String.join(" ", words);
            }
            StringBuilder text = new StringBuilder(pad());
            for (int i = 0; i < words.size(); i++) {
                if (i > 0) {
                    text.append(WHITESPACE.get(random.nextInt(WHITESPACE.size())));
                }
                for (char c : words.get(i).toCharArray()) {
                    // fullwidth Latin letters and digits (U+FF01..U+FF5E) fold to ASCII under NFKC
                    text.append(c < 0x7F && Character.isLetterOrDigit(c) && chance() ? (char) (c - 0x21 + 0xFF01) : c);
                }
            }
            return text.append(pad()).toString();
        }

        private String value(Object value) {
            return value instanceof Integer i ? number(BigDecimal.valueOf(i)) : string((String) value);
        }

        /** The same number as {@code 0.7}, {@code 0.70}, {@code 7e-1} or {@code 70E-2}. */
        private String number(BigDecimal value) {
            if (plain) {
                return value.stripTrailingZeros().toPlainString();
            }
            return switch (random.nextInt(4)) {
                case 0 -> value.toPlainString();
                case 1 -> value.setScale(value.scale() + 1 + random.nextInt(3)).toPlainString();
                case 2 -> value.unscaledValue() + "e" + (-value.scale());
                default -> value.unscaledValue().multiply(java.math.BigInteger.TEN) + "E" + (-value.scale() - 1);
            };
        }

        private String object(List<String> fields) {
            List<String> ordered = new ArrayList<>(fields);
            if (!plain) {
                Collections.shuffle(ordered, random);
            }
            return "{" + pad() + String.join("," + pad(), ordered) + pad() + "}";
        }

        /** A JSON string; some characters written as \\u escapes, which mean the same. */
        private String string(String text) {
            try {
                String json = JSON.writeValueAsString(text);
                if (plain || !chance() || json.length() < 3) {
                    return json;
                }
                char first = json.charAt(1);
                return first == '\\' ? json : "\"" + String.format("\\u%04x", (int) first) + json.substring(2);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        private String pad() {
            return plain || !chance() ? "" : WHITESPACE.get(random.nextInt(3));
        }

        private boolean chance() {
            return !plain && random.nextBoolean();
        }
    }
}
