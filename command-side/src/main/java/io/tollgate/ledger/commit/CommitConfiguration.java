package io.tollgate.ledger.commit;

import io.tollgate.ledger.store.AccountLocks;
import io.tollgate.ledger.store.CaffeineAggregateCache;
import org.axonframework.commandhandling.CommandBus;
import org.axonframework.commandhandling.CommandBusSpanFactory;
import org.axonframework.commandhandling.DuplicateCommandHandlerResolver;
import org.axonframework.commandhandling.SimpleCommandBus;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.common.caching.Cache;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.jdbc.PersistenceExceptionResolver;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.config.Configuration;
import org.axonframework.eventsourcing.EventCountSnapshotTriggerDefinition;
import org.axonframework.eventsourcing.SnapshotTriggerDefinition;
import org.axonframework.eventsourcing.Snapshotter;
import org.axonframework.eventsourcing.SnapshotterSpanFactory;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.eventsourcing.eventstore.jdbc.EventSchema;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.messaging.annotation.HandlerDefinition;
import org.axonframework.messaging.annotation.ParameterResolverFactory;
import org.axonframework.spring.eventsourcing.SpringAggregateSnapshotter;
import org.axonframework.messaging.interceptors.CorrelationDataInterceptor;
import org.axonframework.serialization.Serializer;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.DependsOn;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;

import javax.sql.DataSource;

import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/** The command bus with group commit, and the cache that keeps accounts in memory between commands. */
@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(CommitProperties.class)
public class CommitConfiguration {

    /** The event store's JDBC engine, wrapped so that a shard's appends are written in one batch. */
    @Bean
    @DependsOn("ledgerFlyway")
    BatchedAppendStorageEngine eventStorageEngine(Serializer defaultSerializer,
                                                 @Qualifier("eventSerializer") Serializer eventSerializer,
                                                 PersistenceExceptionResolver persistenceExceptionResolver,
                                                 Configuration configuration,
                                                 ConnectionProvider connectionProvider,
                                                 TransactionManager transactionManager,
                                                 EventSchema eventSchema) {
        return new BatchedAppendStorageEngine(JdbcEventStorageEngine.builder()
                .snapshotSerializer(defaultSerializer)
                .eventSerializer(eventSerializer)
                .upcasterChain(configuration.upcasterChain())
                .snapshotFilter(configuration.snapshotFilter())
                .persistenceExceptionResolver(persistenceExceptionResolver)
                .connectionProvider(connectionProvider)
                .transactionManager(transactionManager)
                .schema(eventSchema)
                .build());
    }

    /** Named for {@code @Aggregate(cache = ...)} on CreditAccount. */
    @Bean
    Cache creditAccountCache(CommitProperties properties) {
        return new CaffeineAggregateCache(properties.cachedAccounts(), properties.cacheIdle());
    }

    /**
     * Snapshots bound the replay when an account is loaded from the store: after it fell out of the
     * cache, or after another instance appended to it. They are taken off the commit threads.
     */
    @Bean
    SpringAggregateSnapshotter aggregateSnapshotter(Configuration axon, HandlerDefinition handlerDefinition,
                                                           ParameterResolverFactory parameterResolverFactory,
                                                           EventStore eventStore, TransactionManager axonTransactions,
                                                           SnapshotterSpanFactory spanFactory) {
        Executor snapshots = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("ledger-snapshots").daemon().factory());
        return SpringAggregateSnapshotter.builder()
                .repositoryProvider(axon::repository)
                .transactionManager(axonTransactions)
                .eventStore(eventStore)
                .parameterResolverFactory(parameterResolverFactory)
                .handlerDefinition(handlerDefinition)
                .spanFactory(spanFactory)
                .executor(snapshots)
                .build();
    }

    /** Named for {@code @Aggregate(snapshotTriggerDefinition = ...)} on CreditAccount. */
    @Bean
    SnapshotTriggerDefinition creditAccountSnapshotTrigger(Snapshotter snapshotter, CommitProperties properties) {
        return new EventCountSnapshotTriggerDefinition(snapshotter, properties.snapshotEvery());
    }

    /** Replaces Axon's gateway: every {@code sendAndWait} is bounded. */
    @Bean
    CommandGateway commandGateway(GroupCommitCommandBus commandBus, CommitProperties properties) {
        return new BoundedCommandGateway(commandBus, properties.answerTimeout());
    }

    /** Whether the ledger can commit: the gateway's readiness reports it. */
    @Bean
    CommitHealthRecorder commitHealth(PlatformTransactionManager transactions, DataSource dataSource) {
        return new CommitHealthRecorder(transactions, new AccountLocks(JdbcClient.create(dataSource)));
    }

    /** Replaces Axon's SimpleCommandBus bean; the same local bus, set up as Axon's auto-configuration does, runs inside. */
    @Bean
    GroupCommitCommandBus commandBus(TransactionManager axonTransactions, PlatformTransactionManager transactions,
                                 Configuration axon, DuplicateCommandHandlerResolver duplicateHandlers,
                                 Cache creditAccountCache, BatchedAppendStorageEngine eventStorageEngine,
                                 DataSource dataSource, CommitHealthRecorder commitHealth, CommitProperties properties) {
        SimpleCommandBus local = SimpleCommandBus.builder()
                .transactionManager(axonTransactions)
                .duplicateCommandHandlerResolver(duplicateHandlers)
                .spanFactory(axon.getComponent(CommandBusSpanFactory.class))
                .messageMonitor(axon.messageMonitor(CommandBus.class, "commandBus"))
                .build();
        local.registerHandlerInterceptor(new CorrelationDataInterceptor<>(axon.correlationDataProviders()));
        return new GroupCommitCommandBus(local, transactions, creditAccountCache, eventStorageEngine,
                new AccountLocks(JdbcClient.create(dataSource)), commitHealth, properties.shards(),
                properties.maxBatch());
    }
}
