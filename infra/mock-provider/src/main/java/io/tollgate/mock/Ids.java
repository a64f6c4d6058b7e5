package io.tollgate.mock;

import java.util.concurrent.ThreadLocalRandom;

/** Response ids in the look of each provider's; random because real ids are, and nothing should depend on them. */
final class Ids {
    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private Ids() {
    }

    static String openAiChatCompletion() {
        return "chatcmpl-" + alphanumeric(29);
    }

    static String anthropicMessage() {
        return "msg_01" + alphanumeric(22);
    }

    static String openAiToolCall() {
        return "call_" + alphanumeric(24);
    }

    static String anthropicToolUse() {
        return "toolu_01" + alphanumeric(22);
    }

    static String geminiResponse() {
        return alphanumeric(22);
    }

    private static String alphanumeric(int length) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder id = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            id.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
        }
        return id.toString();
    }
}
