import { ApiError, describeError, errorBodyMessage, httpStatusText, isAbort, isRecord, readJson } from './http.ts';

export const MODELS_PATH = '/v1/models';

/**
 * The model ids in an OpenAI list body, `{"object":"list","data":[{"id":…},…]}`, in order.
 * Entries without a string id are skipped.
 */
export function parseModelIds(body: unknown): string[] {
  const data = isRecord(body) ? body.data : undefined;
  if (!Array.isArray(data)) {
    throw new ApiError(`Unexpected answer from ${MODELS_PATH}: it has no "data" list.`);
  }
  return data.flatMap((model: unknown) =>
    isRecord(model) && typeof model.id === 'string' ? [model.id] : [],
  );
}

/**
 * GET /v1/models with the given Tollgate API key. Resolves to the model ids; rejects with an
 * ApiError whose message comes from the gateway's OpenAI-shaped error body when there is one.
 */
export async function fetchModels(apiKey: string, signal?: AbortSignal): Promise<string[]> {
  const key = apiKey.trim();
  if (key === '') throw new ApiError('Enter a Tollgate API key first.');

  let response: Response;
  try {
    response = await fetch(MODELS_PATH, {
      headers: { Accept: 'application/json', Authorization: `Bearer ${key}` },
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError(`Could not reach the gateway: ${describeError(error)}`);
  }

  const body = await readJson(response);
  if (!response.ok) {
    throw new ApiError(errorBodyMessage(body) ?? httpStatusText(response), response.status);
  }
  return parseModelIds(body);
}
