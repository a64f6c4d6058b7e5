package io.tollgate.gateway.responses;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.util.List;
import java.util.Optional;

/**
 * Stored responses in the gateway's database. Every read and delete names the owner: another account's
 * response id reads as unknown. Expired rows read as unknown too, before the housekeeping deletes them.
 */
@Component
class ResponseStore {
    private final JdbcClient jdbc;
    private final ObjectMapper json;
    private final ResponsesProperties properties;

    ResponseStore(JdbcClient jdbc, ObjectMapper json, ResponsesProperties properties) {
        this.jdbc = jdbc;
        this.json = json;
        this.properties = properties;
    }

    void save(String owner, String id, String previousResponseId, ArrayNode inputItems, ObjectNode response) {
        jdbc.sql("""
                        insert into gateway.stored_responses (id, owner, previous_response_id, input_items, response,
                            expires_at)
                        values (?, ?, ?, ?::jsonb, ?::jsonb, now() + ? * interval '1 millisecond')""")
                .params(id, owner, previousResponseId, write(inputItems), write(response),
                        properties.retention().toMillis())
                .update();
    }

    Optional<ObjectNode> response(String owner, String id) {
        return jdbc.sql("""
                        select response from gateway.stored_responses
                        where id = ? and owner = ? and expires_at > now()""")
                .params(id, owner)
                .query((rs, row) -> (ObjectNode) read(rs.getString(1)))
                .optional();
    }

    Optional<ArrayNode> inputItems(String owner, String id) {
        return jdbc.sql("""
                        select input_items from gateway.stored_responses
                        where id = ? and owner = ? and expires_at > now()""")
                .params(id, owner)
                .query((rs, row) -> (ArrayNode) read(rs.getString(1)))
                .optional();
    }

    /**
     * The conversation a follow-up to {@code id} continues: the input items and output items of each
     * response of its chain, oldest first; empty when {@code id} is not this owner's (or expired). A chain
     * whose older links were deleted starts at the oldest one still kept.
     */
    Optional<ArrayNode> conversation(String owner, String id) {
        List<JsonNode[]> turns = jdbc.sql("""
                        with recursive chain (id, previous_response_id, input_items, output, depth) as (
                            select id, previous_response_id, input_items, response -> 'output', 0
                            from gateway.stored_responses
                            where id = ? and owner = ? and expires_at > now()
                            union all
                            select s.id, s.previous_response_id, s.input_items, s.response -> 'output', c.depth + 1
                            from gateway.stored_responses s join chain c on s.id = c.previous_response_id
                            where s.owner = ? and s.expires_at > now() and c.depth < ?)
                        select input_items, output from chain order by depth desc""")
                .params(id, owner, owner, properties.maxConversationTurns())
                .query((rs, row) -> new JsonNode[]{read(rs.getString(1)), read(rs.getString(2))})
                .list();
        if (turns.isEmpty()) {
            return Optional.empty();
        }
        ArrayNode items = json.createArrayNode();
        for (JsonNode[] turn : turns) {
            turn[0].forEach(items::add);
            turn[1].forEach(items::add);
        }
        return Optional.of(items);
    }

    boolean delete(String owner, String id) {
        return jdbc.sql("delete from gateway.stored_responses where id = ? and owner = ? and expires_at > now()")
                .params(id, owner)
                .update() == 1;
    }

    /** Deletes up to {@code limit} expired responses; SKIP LOCKED lets several instances clean at once. */
    int deleteExpired(int limit) {
        return jdbc.sql("""
                        delete from gateway.stored_responses
                        where id in (select id from gateway.stored_responses where expires_at <= now()
                                     limit ? for update skip locked)""")
                .param(limit)
                .update();
    }

    private String write(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode read(String text) {
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored response is not JSON", e);
        }
    }
}
