package io.tollgate.views.testing;

/** Where the real services the tests run against are: the same variables the application reads. */
public final class Infrastructure {
    private Infrastructure() {
    }

    public static String kafkaBootstrap() {
        String env = System.getenv("TOLLGATE_KAFKA_BOOTSTRAP");
        return env == null || env.isBlank() ? "127.0.0.1:9092" : env;
    }
}
