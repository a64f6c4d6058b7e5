import java.io.BufferedWriter;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The load and probe client of {@code ./tollgate chaos} (infra/chaos/chaos.sh), run from source with the JDK
 * alone ({@code java infra/chaos/ChaosClient.java MODE ...}). Every answer is recorded, one CSV line each,
 * so that the script can hold every 2xx against the views' debits.
 *
 * <pre>
 * load   OUT KEYS GATEWAYS CALLERS STOP_FILE   callers loop over the instances and accounts until STOP_FILE
 *                                               exists; OUT gets sent_at_ms,latency_ms,instance,account,status,request_id,error
 * probe  KEYS GATEWAYS DEADLINE_MS            every instance answers a chat for every account; prints the ms it took
 * poison KEY GATEWAY BOUND_MS                 hostile requests; each must be a 4xx within BOUND_MS
 * </pre>
 * KEYS is a file of "account key" lines; GATEWAYS a comma-separated list of base URLs.
 */
public final class ChaosClient {
    private static final String MODEL = System.getenv().getOrDefault("CHAOS_MODEL", "mock/gpt-4o");
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final long PAUSE_MS = Long.parseLong(System.getenv().getOrDefault("CHAOS_PAUSE_MS", "100"));
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    public static void main(String[] args) throws Exception {
        switch (args.length == 0 ? "" : args[0]) {
            case "load" -> load(Path.of(args[1]), keys(Path.of(args[2])), gateways(args[3]), Integer.parseInt(args[4]),
                    Path.of(args[5]));
            case "probe" -> System.exit(probe(keys(Path.of(args[1])), gateways(args[2]), Long.parseLong(args[3])));
            case "poison" -> System.exit(poison(args[1], args[2], Long.parseLong(args[3])));
            default -> {
                System.err.println("usage: ChaosClient load|probe|poison ...");
                System.exit(2);
            }
        }
    }

    private static Map<String, String> keys(Path file) throws IOException {
        Map<String, String> keys = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length == 2) {
                keys.put(parts[0], parts[1]);
            }
        }
        return keys;
    }

    private static List<String> gateways(String list) {
        return Arrays.asList(list.split(","));
    }

    private record Answer(int status, String requestId, String error, String body) {
    }

    private static Answer chat(String gateway, String key, int maxTokens) {
        String body = "{\"model\":\"" + MODEL + "\",\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"chaos\"}]}";
        return post(gateway + "/v1/chat/completions", key, HttpRequest.BodyPublishers.ofString(body));
    }

    private static Answer post(String url, String key, HttpRequest.BodyPublisher body) {
        return post(url, key, body, false);
    }

    private static Answer post(String url, String key, HttpRequest.BodyPublisher body, boolean expectContinue) {
        var request = HttpRequest.newBuilder(URI.create(url))
                .expectContinue(expectContinue)
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key)
                .POST(body)
                .build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.headers().firstValue("x-request-id").orElse(""), "",
                    response.body());
        } catch (HttpTimeoutException e) {
            return new Answer(0, "", "timeout", "");
        } catch (ConnectException e) {
            return new Answer(0, "", "refused", "");
        } catch (IOException e) {
            return new Answer(0, "", "io", "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, "", "interrupted", "");
        }
    }

    private static void load(Path out, Map<String, String> keys, List<String> gateways, int callers, Path stopFile)
            throws Exception {
        List<String> accounts = new ArrayList<>(keys.keySet());
        AtomicBoolean stop = new AtomicBoolean();
        try (BufferedWriter csv = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                int caller = c;
                threads.add(Thread.ofPlatform().name("caller-" + c).start(() -> {
                    long n = caller;
                    while (!stop.get()) {
                        int instance = (int) (n++ % gateways.size());
                        String account = accounts.get(ThreadLocalRandom.current().nextInt(accounts.size()));
                        long sentAt = System.currentTimeMillis();
                        long started = System.nanoTime();
                        Answer answer = chat(gateways.get(instance), keys.get(account), 16);
                        long latency = (System.nanoTime() - started) / 1_000_000;
                        String line = sentAt + "," + latency + "," + instance + "," + account + "," + answer.status()
                                + "," + answer.requestId() + "," + answer.error() + "\n";
                        synchronized (csv) {
                            try {
                                csv.write(line);
                            } catch (IOException e) {
                                throw new IllegalStateException(e);
                            }
                        }
                        // A dead instance refuses at once: no caller spins on it.
                        sleep(PAUSE_MS);
                    }
                }));
            }
            while (!Files.exists(stopFile)) {
                sleep(200);
                synchronized (csv) {
                    csv.flush();
                }
            }
            stop.set(true);
            for (Thread thread : threads) {
                thread.join();
            }
        }
    }

    /**
     * Retries each instance and account until it is served: 200, or 402 for the account whose credit ran out
     * (the ledger decided); prints the time until all were.
     */
    private static int probe(Map<String, String> keys, List<String> gateways, long deadlineMs) {
        long started = System.nanoTime();
        Map<String, Integer> last = new HashMap<>();
        List<Thread> threads = new ArrayList<>();
        AtomicBoolean late = new AtomicBoolean();
        for (String gateway : gateways) {
            for (Map.Entry<String, String> account : keys.entrySet()) {
                threads.add(Thread.ofVirtual().start(() -> {
                    while (true) {
                        Answer answer = chat(gateway, account.getValue(), 16);
                        synchronized (last) {
                            last.put(gateway + " " + account.getKey(), answer.status());
                        }
                        if (answer.status() == 200 || answer.status() == 402) {
                            return;
                        }
                        if ((System.nanoTime() - started) / 1_000_000 > deadlineMs) {
                            late.set(true);
                            return;
                        }
                        sleep(100);
                    }
                }));
            }
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
        long took = (System.nanoTime() - started) / 1_000_000;
        System.out.println(took);
        if (late.get()) {
            last.forEach((pair, status) -> {
                if (status != 200 && status != 402) {
                    System.err.println("still not served after " + deadlineMs + " ms: " + pair + " answers " + status);
                }
            });
            return 1;
        }
        return 0;
    }

    /** Hostile requests: each must be refused with a 4xx, in time, and the instance must serve afterwards. */
    private static int poison(String key, String gateway, long boundMs) {
        Map<String, HttpRequest.BodyPublisher> cases = new LinkedHashMap<>();
        cases.put("NUL model", json("{\"model\":\"\\u0000\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
        cases.put("10 KB model", json("{\"model\":\"" + "m".repeat(10 * 1024)
                + "\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
        cases.put("2 MB model", json("{\"model\":\"" + "m".repeat(2 * 1024 * 1024)
                + "\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
        byte[] invalidUtf8 = concat("{\"model\":\"".getBytes(StandardCharsets.US_ASCII),
                new byte[]{(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE},
                "\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}".getBytes(StandardCharsets.US_ASCII));
        cases.put("invalid UTF-8", HttpRequest.BodyPublishers.ofByteArray(invalidUtf8));
        cases.put("100 MB body", hundredMegabytes());
        int failures = 0;
        for (Map.Entry<String, HttpRequest.BodyPublisher> poison : cases.entrySet()) {
            long started = System.nanoTime();
            // The big body announces its length and waits for 100 Continue, as curl does: a gateway that
            // refuses it by its Content-Length can answer 413 before a byte of it is sent.
            Answer answer = post(gateway + "/v1/chat/completions", key, poison.getValue(),
                    poison.getKey().startsWith("100 MB"));
            long took = (System.nanoTime() - started) / 1_000_000;
            boolean refused = answer.status() >= 400 && answer.status() < 500;
            boolean inTime = took <= boundMs;
            String verdict = refused && inTime ? "ok" : "FAILED";
            if (!verdict.equals("ok")) {
                failures++;
            }
            System.out.printf("%-14s %s %4d %6d ms %s%n", poison.getKey(), verdict, answer.status(), took,
                    answer.body().length() > 160 ? answer.body().substring(0, 160) : answer.body().replace('\n', ' '));
        }
        Answer after = chat(gateway, key, 16);
        System.out.printf("%-14s %s %4d%n", "then a chat", after.status() == 200 ? "ok" : "FAILED", after.status());
        if (after.status() != 200) {
            failures++;
        }
        return failures == 0 ? 0 : 1;
    }

    private static HttpRequest.BodyPublisher json(String text) {
        return HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8);
    }

    /** 100 MB of a valid-looking JSON message, streamed rather than held in memory. */
    private static HttpRequest.BodyPublisher hundredMegabytes() {
        byte[] head = ("{\"model\":\"" + MODEL + "\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "\"}]}".getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = "a".repeat(1 << 20).getBytes(StandardCharsets.US_ASCII);
        List<byte[]> parts = new ArrayList<>();
        parts.add(head);
        for (int i = 0; i < 100; i++) {
            parts.add(chunk);
        }
        parts.add(tail);
        long length = head.length + 100L * chunk.length + tail.length;
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArrays(parts), length);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
