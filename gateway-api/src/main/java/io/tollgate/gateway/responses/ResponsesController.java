package io.tollgate.gateway.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.chat.ChatService;
import io.tollgate.gateway.errors.GatewayException;
import io.tollgate.gateway.formats.responses.ResponsesTurn;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;

/**
 * OpenAI's Responses API: {@code POST /v1/responses} runs on the chat path ({@link ChatService}, reserved,
 * settled and evented like any chat call) through {@link ResponsesTurn}; responses with {@code store}
 * (the default) are kept per account for {@code previous_response_id} and the read endpoints.
 */
@RestController
class ResponsesController {
    private static final Logger log = LoggerFactory.getLogger(ResponsesController.class);
    private static final int MAX_LIST_LIMIT = 100;

    private final ChatService chat;
    private final ResponseStore store;
    private final ObjectMapper json;

    ResponsesController(ChatService chat, ResponseStore store, ObjectMapper json) {
        this.chat = chat;
        this.store = store;
        this.json = json;
    }

    @PostMapping(path = "/v1/responses", consumes = MediaType.APPLICATION_JSON_VALUE)
    void create(@RequestBody JsonNode body, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller,
                HttpServletRequest request, HttpServletResponse response) throws IOException {
        String owner = owner(caller);
        JsonNode previous = body.path("previous_response_id");
        String previousId = null;
        ArrayNode conversation = json.createArrayNode();
        if (!previous.isMissingNode() && !previous.isNull()) {
            if (!previous.isTextual()) {
                throw GatewayException.badRequest("'previous_response_id' must be a string.");
            }
            previousId = previous.asText();
            String unknown = previousId;
            conversation = store.conversation(owner, previousId).orElseThrow(() -> GatewayException.notFound(
                    "previous_response_not_found", "Previous response with id '" + unknown + "' not found."));
        }
        boolean keep = body.path("store").asBoolean(true);
        String continues = previousId;
        ResponsesTurn turn = new ResponsesTurn(json, conversation, (id, inputItems, answer) -> {
            if (keep) {
                save(owner, id, continues, inputItems, answer);
            }
        });
        chat.complete(caller, turn, body, request, response);
    }

    /** The client paid for the answer it is about to get: a failure to keep it must not take it away. */
    private void save(String owner, String id, String previousId, ArrayNode inputItems, ObjectNode answer) {
        try {
            store.save(owner, id, previousId, inputItems, answer);
        } catch (DataAccessException e) {
            log.warn("could not store response {}: {}", id, e.getMessage());
        }
    }

    @GetMapping("/v1/responses/{id}")
    ObjectNode get(@PathVariable String id, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller) {
        return store.response(owner(caller), id).orElseThrow(() -> notFound(id));
    }

    @DeleteMapping("/v1/responses/{id}")
    ObjectNode delete(@PathVariable String id, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller) {
        if (!store.delete(owner(caller), id)) {
            throw notFound(id);
        }
        return json.createObjectNode().put("id", id).put("object", "response").put("deleted", true);
    }

    /** The input items of one response, newest first unless {@code order=asc}; paged with {@code after}. */
    @GetMapping("/v1/responses/{id}/input_items")
    ObjectNode inputItems(@PathVariable String id, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller,
                          @RequestParam(defaultValue = "desc") String order,
                          @RequestParam(defaultValue = "20") String limit,
                          @RequestParam(required = false) String after) {
        if (!order.equals("asc") && !order.equals("desc")) {
            throw GatewayException.badRequest("'order' must be asc or desc.");
        }
        int pageSize = pageSize(limit);
        ArrayNode items = store.inputItems(owner(caller), id).orElseThrow(() -> notFound(id));
        ArrayNode ordered = json.createArrayNode();
        for (int i = 0; i < items.size(); i++) {
            ordered.add(items.get(order.equals("asc") ? i : items.size() - 1 - i));
        }
        int from = 0;
        if (after != null) {
            while (from < ordered.size() && !after.equals(ordered.get(from).path("id").asText())) {
                from++;
            }
            from++;
        }
        ObjectNode list = json.createObjectNode().put("object", "list");
        ArrayNode data = list.putArray("data");
        for (int i = from; i < ordered.size() && data.size() < pageSize; i++) {
            data.add(ordered.get(i));
        }
        list.set("first_id", data.isEmpty() ? null : data.get(0).get("id"));
        list.set("last_id", data.isEmpty() ? null : data.get(data.size() - 1).get("id"));
        list.put("has_more", from + data.size() < ordered.size());
        return list;
    }

    private static int pageSize(String limit) {
        try {
            int size = Integer.parseInt(limit);
            if (size >= 1 && size <= MAX_LIST_LIMIT) {
                return size;
            }
        } catch (NumberFormatException notANumber) {
            // refused below
        }
        throw GatewayException.badRequest("'limit' must be an integer from 1 to " + MAX_LIST_LIMIT + ".");
    }

    /** Responses belong to the caller's account; a caller without one keeps its own, by API key. */
    private static String owner(Caller caller) {
        return caller.accountId() != null ? caller.accountId() : "key:" + caller.keyId();
    }

    private static GatewayException notFound(String id) {
        return GatewayException.notFound("not_found", "No response found with id '" + id + "'.");
    }
}
