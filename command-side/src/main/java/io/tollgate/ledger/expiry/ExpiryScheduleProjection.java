package io.tollgate.ledger.expiry;

import io.tollgate.events.CreditsExpired;
import io.tollgate.events.CreditsGranted;
import io.tollgate.events.CreditsReserved;
import io.tollgate.events.LeaseExtended;
import io.tollgate.events.LeaseGranted;
import io.tollgate.events.LeaseSettled;
import io.tollgate.events.ReservationReleased;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;

import java.time.Duration;

/**
 * Keeps the expiry schedule: every reservation until it is released, every expiring grant until it
 * expires. It runs in a tracking processor of its own, so the schedule trails the event store by
 * moments and is rebuilt by replaying it; every change is an upsert or a delete, so an event handled
 * twice leaves the same rows. A batch's changes are written together just before its transaction
 * commits, in the transaction that also moves the processor's token.
 * <p>
 * A late settlement ({@code CreditsDebited} after the reservation expired) changes nothing here: its
 * reservation was released already. A grant spent to nothing before its expiry produces no event at
 * all; the sweeper drops its entry once the account confirmed there is nothing left to expire, as it
 * drops a reservation entry whose release this projection missed.
 */
@ProcessingGroup(ExpiryScheduleProjection.PROCESSING_GROUP)
class ExpiryScheduleProjection {
    public static final String PROCESSING_GROUP = "expiry-schedule";
    private static final String CHANGES_OF_THE_BATCH = ExpiryScheduleProjection.class.getName() + ".changes";

    private final ExpirySchedule schedule;
    /** A lease falls due this long after its expiry, so that its instance's last requests are on the topic. */
    private final Duration leaseSettleGrace;

    ExpiryScheduleProjection(ExpirySchedule schedule, Duration leaseSettleGrace) {
        this.schedule = schedule;
        this.leaseSettleGrace = leaseSettleGrace;
    }

    @EventHandler
    void on(LeaseGranted event) {
        changesOfThisBatch().schedule(ExpiringItem.lease(event.accountId(), event.leaseId()),
                event.expiresAt().plus(leaseSettleGrace));
    }

    @EventHandler
    void on(LeaseExtended event) {
        changesOfThisBatch().schedule(ExpiringItem.lease(event.accountId(), event.leaseId()),
                event.expiresAt().plus(leaseSettleGrace));
    }

    @EventHandler
    void on(LeaseSettled event) {
        changesOfThisBatch().remove(ExpiringItem.lease(event.accountId(), event.leaseId()));
    }

    @EventHandler
    void on(CreditsReserved event) {
        changesOfThisBatch().schedule(ExpiringItem.reservation(event.accountId(), event.requestId()), event.expiresAt());
    }

    @EventHandler
    void on(ReservationReleased event) {
        changesOfThisBatch().remove(ExpiringItem.reservation(event.accountId(), event.requestId()));
    }

    @EventHandler
    void on(CreditsGranted event) {
        if (event.expiresAt() != null) {
            changesOfThisBatch().schedule(ExpiringItem.grant(event.accountId(), event.grantId()), event.expiresAt());
        }
    }

    @EventHandler
    void on(CreditsExpired event) {
        changesOfThisBatch().remove(ExpiringItem.grant(event.accountId(), event.grantId()));
    }

    private ExpirySchedule.Changes changesOfThisBatch() {
        UnitOfWork<?> batch = CurrentUnitOfWork.get().root();
        return batch.getOrComputeResource(CHANGES_OF_THE_BATCH, key -> {
            var changes = new ExpirySchedule.Changes();
            batch.onPrepareCommit(unit -> schedule.apply(changes));
            return changes;
        });
    }
}
