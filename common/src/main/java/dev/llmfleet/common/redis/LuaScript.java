package dev.llmfleet.common.redis;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A Lua script run by its SHA-1 (EVALSHA), sent in full (EVAL) only when Redis does not know it yet (first use, a
 * restarted or flushed Redis), so a hot script costs Redis 40 bytes a call instead of its whole source. A NOSCRIPT
 * answer means the script did not run, so the EVAL that follows runs it once: the fallback never runs a script twice.
 * The source lives in {@code src/main/resources/lua/<name>.lua} of the module that owns the script.
 */
public final class LuaScript {
    private final String source;
    private final String sha;

    private LuaScript(String source) {
        this.source = source;
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The script made of {@code lua/<name>.lua} for each name, in order (a file of shared functions first), read from the
     * class path of {@code owner}'s module: a library's class loader need not see the resources of the service using it.
     */
    public static LuaScript load(Class<?> owner, String... names) {
        StringBuilder source = new StringBuilder();
        for (String name : names) {
            String path = "lua/" + name + ".lua";
            try (InputStream in = owner.getClassLoader().getResourceAsStream(path)) {
                if (in == null) {
                    throw new IllegalStateException("Lua script " + path + " not on the class path of " + owner.getName());
                }
                source.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("Lua script " + path + " unreadable", e);
            }
        }
        return new LuaScript(source.toString());
    }

    /** Runs the script with {@code keys} as KEYS and {@code args} as ARGV. */
    public Uni<Response> run(ReactiveRedisDataSource redis, List<String> keys, List<String> args) {
        return redis.execute("EVALSHA", arguments(sha, keys, args))
                .onFailure(e -> String.valueOf(e.getMessage()).contains("NOSCRIPT"))
                .recoverWithUni(() -> redis.execute("EVAL", arguments(source, keys, args)));
    }

    private static String[] arguments(String script, List<String> keys, List<String> args) {
        List<String> all = new ArrayList<>(keys.size() + args.size() + 2);
        all.add(script);
        all.add(Integer.toString(keys.size()));
        all.addAll(keys);
        all.addAll(args);
        return all.toArray(String[]::new);
    }
}
