package io.tollgate.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * The function call the mock answers when a request offers tools and its tool choice lets (or makes)
 * the model call one: the named tool if the choice names one, else the first offered. Its arguments
 * are derived from the tool's JSON schema, so the same request always gets the same call.
 * <p>
 * Under an automatic choice the mock calls a tool only until the conversation carries a tool result:
 * then it answers in text, as a model does once it has what it asked for, so an agent loop ends.
 *
 * @param name      the tool's name
 * @param arguments an object with every property of the tool's parameter schema
 */
record ToolCall(String name, ObjectNode arguments) {

    /** Whether and which tool to call, in terms every wire family maps onto. */
    enum Choice { NONE, AUTO, REQUIRED, NAMED }

    /**
     * @param choice             the request's tool choice
     * @param namedTool          the tool a {@link Choice#NAMED} choice names
     * @param toolsBySchema      the offered tools' parameter schemas by name, in the request's order
     * @param answeredToolResult whether the conversation already carries a tool result
     * @return the call, or null when the reply is text
     */
    static ToolCall choose(Choice choice, String namedTool, Map<String, JsonNode> toolsBySchema,
                           boolean answeredToolResult) {
        if (toolsBySchema.isEmpty() || choice == Choice.NONE || (choice == Choice.AUTO && answeredToolResult)) {
            return null;
        }
        String name = choice == Choice.NAMED && toolsBySchema.containsKey(namedTool)
                ? namedTool : toolsBySchema.keySet().iterator().next();
        return new ToolCall(name, valueFor(toolsBySchema.get(name), name, 0) instanceof ObjectNode object
                ? object : Json.object());
    }

    String argumentsJson() {
        return Json.write(arguments);
    }

    /** The name, then one token per argument: countable by hand, like the text replies' one token per word. */
    int outputTokens() {
        return 1 + arguments.size();
    }

    /**
     * A value that fits a JSON schema: an enum's first value, "mock-NAME" for a string, 1 for a number,
     * true, an empty array, and for an object every property (nested objects at most four deep).
     */
    static JsonNode valueFor(JsonNode schema, String name, int depth) {
        if (schema == null || !schema.isObject()) {
            return Json.MAPPER.getNodeFactory().textNode("mock-" + name);
        }
        JsonNode enumValues = schema.get("enum");
        if (enumValues != null && enumValues.isArray() && !enumValues.isEmpty()) {
            return enumValues.get(0);
        }
        JsonNode type = schema.path("type");
        String kind = type.isArray() && !type.isEmpty() ? type.get(0).asText() : type.asText("");
        var nodes = Json.MAPPER.getNodeFactory();
        return switch (kind.toLowerCase(java.util.Locale.ROOT)) {
            case "integer", "number" -> nodes.numberNode(1);
            case "boolean" -> nodes.booleanNode(true);
            case "array" -> nodes.arrayNode();
            case "object" -> objectFor(schema, depth);
            case "null" -> nodes.nullNode();
            default -> schema.has("properties") ? objectFor(schema, depth) : nodes.textNode("mock-" + name);
        };
    }

    private static ObjectNode objectFor(JsonNode schema, int depth) {
        ObjectNode object = Json.object();
        if (depth >= 4) {
            return object;
        }
        schema.path("properties").properties()
                .forEach(property -> object.set(property.getKey(), valueFor(property.getValue(), property.getKey(), depth + 1)));
        return object;
    }
}
