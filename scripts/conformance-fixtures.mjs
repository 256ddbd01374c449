/**
 * The official MCP conformance suite's fixtures (tools, resources, prompts, completion,
 * logging), for `scripts/conformance.mjs` only. Many scenarios call a named fixture
 * (`test_simple_text`, `test://static-text`, …) to check the transport and the protocol
 * around it; Taskgate has no such tools, so without them those scenarios only prove that
 * an unknown name is refused.
 *
 * SECURITY: registered through `createApp`'s `extendMcpServer` hook on the same server
 * factory as Taskgate's own tools, so every request still passes the same key check. The
 * hook exists for test harnesses; `taskgate serve` never sets it. The behaviour of each
 * fixture follows the scenario descriptions printed by the suite
 * (`conformance list`, and the `description` of each scenario).
 */
import {
  acceptedContent,
  CLIENT_CAPABILITIES_META_KEY,
  completable,
  fromJsonSchema,
  inputRequired,
  inputResponse,
  ResourceTemplate,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { JSON_SCHEMA_2020_12, SEP1034_SCHEMA, SEP1330_SCHEMA } from './conformance-fixture-schemas.mjs';

// A 1×1 PNG and a minimal WAV: the suite checks only the shape of image and audio content.
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

const NO_ARGS = z.object({});
const text = (value) => ({ content: [{ type: 'text', text: value }] });
const nameForm = (message, field = 'name') => ({
  message,
  requestedSchema: { type: 'object', properties: { [field]: { type: 'string' } }, required: [field] },
});
/** Client capabilities as the 2026-07-28 envelope declares them (absent on the 2025 path). */
const clientCapabilities = (ctx) => ctx.mcpReq.envelope?.[CLIENT_CAPABILITIES_META_KEY] ?? {};

/**
 * @param {import('@modelcontextprotocol/server').McpServer} server
 * @param {{ mintState(payload: unknown, ctx: unknown): Promise<string> }} state
 *   the server's own requestState codec: a fixture's state is checked like Taskgate's.
 */
export function registerConformanceFixtures(server, state) {
  registerContentTools(server);
  registerStreamingTools(server);
  registerInputRequiredTools(server, state);
  registerResources(server);
  registerPrompts(server);
  server.server.registerCapabilities({ logging: {}, completions: {} });
  server.server.setRequestHandler('logging/setLevel', () => ({}));
}

function registerContentTools(server) {
  const tool = (name, result) =>
    server.registerTool(name, { description: `conformance fixture ${name}`, inputSchema: NO_ARGS }, () =>
      result(),
    );
  tool('test_simple_text', () => text('This is a simple text response for testing.'));
  tool('test_image_content', () => ({ content: [{ type: 'image', data: PNG, mimeType: 'image/png' }] }));
  tool('test_audio_content', () => ({ content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }] }));
  tool('test_embedded_resource', () => ({
    content: [
      {
        type: 'resource',
        resource: {
          uri: 'test://embedded-resource',
          mimeType: 'text/plain',
          text: 'This is an embedded resource content.',
        },
      },
    ],
  }));
  tool('test_multiple_content_types', () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: {
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: JSON.stringify({ test: 'data', value: 123 }),
        },
      },
    ],
  }));
  tool('test_error_handling', () => {
    throw new Error('This tool intentionally returns an error for testing');
  });
  server.registerTool(
    'json_schema_2020_12_tool',
    {
      description: 'Tool with JSON Schema 2020-12 features',
      inputSchema: fromJsonSchema(JSON_SCHEMA_2020_12),
    },
    (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  );
  // SEP-2243: a parameter mirrored in an `Mcp-Param-Region` header, which the SDK checks.
  server.registerTool(
    'test_x_mcp_header',
    {
      description: 'A parameter also sent as a header',
      inputSchema: fromJsonSchema({
        type: 'object',
        properties: { region: { type: 'string', 'x-mcp-header': 'Region' } },
        required: ['region'],
      }),
    },
    ({ region }) => text(`region: ${region}`),
  );
}

function registerStreamingTools(server) {
  server.registerTool(
    'test_tool_with_progress',
    { description: 'Reports progress', inputSchema: NO_ARGS },
    async (_args, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken ?? 0;
      for (const progress of [0, 50, 100]) {
        await ctx.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` },
        });
      }
      return text(String(progressToken));
    },
  );
  for (const name of ['test_tool_with_logging', 'test_logging_tool']) {
    server.registerTool(
      name,
      { description: 'Logs while it runs', inputSchema: NO_ARGS },
      async (_args, ctx) => {
        for (const message of ['Tool execution started', 'Tool processing data', 'Tool execution completed'])
          await ctx.mcpReq.log('info', message);
        return text('Tool with logging executed successfully');
      },
    );
  }
  // 2025-era server-to-client requests: they need a response stream (see docs/clients.md).
  // Nothing answers them on a JSON response, so give up after a few seconds, not the SDK's 60.
  const ASK_TIMEOUT = { timeout: 3_000 };
  server.registerTool(
    'test_sampling',
    { description: 'Asks the client for a completion', inputSchema: z.object({ prompt: z.string() }) },
    async ({ prompt }, ctx) => {
      const result = await ctx.mcpReq.requestSampling(
        {
          messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
          maxTokens: 100,
        },
        ASK_TIMEOUT,
      );
      return text(`LLM response: ${result.content?.text ?? 'No response'}`);
    },
  );
  const elicit = (name, requestedSchema, message) =>
    server.registerTool(
      name,
      { description: 'Asks the user', inputSchema: z.object({ message: z.string().optional() }) },
      async (args, ctx) => {
        const result = await ctx.mcpReq.elicitInput(
          { mode: 'form', message: args.message ?? message, requestedSchema },
          ASK_TIMEOUT,
        );
        return text(
          `User response: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
        );
      },
    );
  elicit('test_elicitation', nameForm('Please respond', 'response').requestedSchema, 'Please respond');
  elicit(
    'test_elicitation_sep1034_defaults',
    SEP1034_SCHEMA,
    'Please review and update the form fields with defaults',
  );
  elicit('test_elicitation_sep1330_enums', SEP1330_SCHEMA, 'Please select options from the enum fields');
  // The SDK answers -32021 itself when an input request needs a capability the client lacks.
  server.registerTool(
    'test_missing_capability',
    { description: 'Needs sampling', inputSchema: NO_ARGS },
    () =>
      inputRequired({
        inputRequests: {
          answer: inputRequired.createMessage({ messages: [userText('Say hi')], maxTokens: 10 }),
        },
      }),
  );
  server.registerTool(
    'test_streaming_elicitation',
    { description: 'Asks the user through input_required', inputSchema: NO_ARGS },
    () =>
      inputRequired({ inputRequests: { user_name: inputRequired.elicit(nameForm('What is your name?')) } }),
  );
}

const userText = (value) => ({ role: 'user', content: { type: 'text', text: value } });

function registerInputRequiredTools(server, state) {
  const tool = (name, handler) =>
    server.registerTool(
      name,
      { description: `multi-round-trip fixture ${name}`, inputSchema: NO_ARGS },
      handler,
    );

  tool('test_input_required_result_elicitation', (_args, ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_name');
    if (typeof answer?.name === 'string') return text(`Hello, ${answer.name}!`);
    return inputRequired({
      inputRequests: { user_name: inputRequired.elicit(nameForm('What is your name?')) },
    });
  });
  tool('test_input_required_result_sampling', (_args, ctx) => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'capital_question');
    if (answer.kind === 'sampling') return text(`The model said: ${answer.result.content?.text ?? ''}`);
    return inputRequired({
      inputRequests: {
        capital_question: inputRequired.createMessage({
          messages: [userText('What is the capital of France?')],
          maxTokens: 100,
        }),
      },
    });
  });
  tool('test_input_required_result_list_roots', (_args, ctx) => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'client_roots');
    if (answer.kind === 'roots') return text(`Roots: ${answer.roots.map((root) => root.uri).join(', ')}`);
    return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
  });
  tool('test_input_required_result_request_state', async (_args, ctx) => {
    const held = ctx.mcpReq.requestState();
    const confirm = acceptedContent(ctx.mcpReq.inputResponses, 'confirm');
    if (held?.fixture === 'request_state' && confirm) return text(`state-ok: confirmed=${confirm.ok}`);
    return inputRequired({
      inputRequests: {
        confirm: inputRequired.elicit({
          message: 'Please confirm',
          requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
        }),
      },
      requestState: await state.mintState({ fixture: 'request_state' }, ctx),
    });
  });
  tool('test_input_required_result_tampered_state', async (_args, ctx) => {
    if (ctx.mcpReq.requestState()?.fixture === 'tampered_state') return text('state-ok');
    return inputRequired({
      inputRequests: { user_name: inputRequired.elicit(nameForm('What is your name?')) },
      requestState: await state.mintState({ fixture: 'tampered_state' }, ctx),
    });
  });
  tool('test_input_required_result_multiple_inputs', async (_args, ctx) => {
    const responses = ctx.mcpReq.inputResponses;
    const kinds = ['user_name', 'greeting', 'client_roots'].map((key) => inputResponse(responses, key).kind);
    if (ctx.mcpReq.requestState()?.fixture === 'multiple' && !kinds.includes('missing'))
      return text(`All inputs received: ${kinds.join(', ')}`);
    return inputRequired({
      inputRequests: {
        user_name: inputRequired.elicit(nameForm('What is your name?')),
        greeting: inputRequired.createMessage({ messages: [userText('Generate a greeting')], maxTokens: 50 }),
        client_roots: inputRequired.listRoots(),
      },
      requestState: await state.mintState({ fixture: 'multiple' }, ctx),
    });
  });
  tool('test_input_required_result_multi_round', async (_args, ctx) => {
    const held = ctx.mcpReq.requestState();
    const responses = ctx.mcpReq.inputResponses;
    if (held?.round === 2 && acceptedContent(responses, 'step2'))
      return text(`Done: ${held.name} likes ${acceptedContent(responses, 'step2').color}`);
    const step1 = acceptedContent(responses, 'step1');
    if (held?.round === 1 && step1)
      return inputRequired({
        inputRequests: {
          step2: inputRequired.elicit(nameForm('Step 2: What is your favorite color?', 'color')),
        },
        requestState: await state.mintState({ round: 2, name: step1.name }, ctx),
      });
    return inputRequired({
      inputRequests: { step1: inputRequired.elicit(nameForm('Step 1: What is your name?')) },
      requestState: await state.mintState({ round: 1 }, ctx),
    });
  });
  tool('test_input_required_result_capabilities', (_args, ctx) => {
    const declared = clientCapabilities(ctx);
    const inputRequests = {};
    if (declared.elicitation) inputRequests.user_name = inputRequired.elicit(nameForm('What is your name?'));
    if (declared.sampling)
      inputRequests.greeting = inputRequired.createMessage({
        messages: [userText('Say hello')],
        maxTokens: 20,
      });
    if (Object.keys(inputRequests).length === 0)
      return text('no input needed: the client declared no capability');
    return inputRequired({ inputRequests });
  });
}

function registerResources(server) {
  const resource = (name, uri, mimeType, content) =>
    server.registerResource(
      name,
      uri,
      { title: name, description: `conformance fixture ${name}`, mimeType },
      () => ({
        contents: [{ uri, mimeType, ...content }],
      }),
    );
  resource('static-text', 'test://static-text', 'text/plain', {
    text: 'This is the content of the static text resource.',
  });
  resource('static-binary', 'test://static-binary', 'image/png', { blob: PNG });
  resource('watched-resource', 'test://watched-resource', 'text/plain', { text: 'Watched resource content' });
  server.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    {
      title: 'Resource Template',
      description: 'A template with parameter substitution',
      mimeType: 'application/json',
    },
    (uri, { id }) => ({
      contents: [
        {
          uri: uri.toString(),
          mimeType: 'application/json',
          text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
        },
      ],
    }),
  );
  server.server.registerCapabilities({ resources: { subscribe: true } });
  server.server.setRequestHandler('resources/subscribe', () => ({}));
  server.server.setRequestHandler('resources/unsubscribe', () => ({}));
}

function registerPrompts(server) {
  const message = (content) => ({ role: 'user', content });
  server.registerPrompt(
    'test_simple_prompt',
    { title: 'Simple Test Prompt', description: 'No arguments' },
    () => ({
      messages: [message({ type: 'text', text: 'This is a simple prompt for testing.' })],
    }),
  );
  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      title: 'Prompt With Arguments',
      description: 'Two required arguments',
      argsSchema: z.object({
        arg1: completable(z.string().describe('First test argument'), (value) =>
          ['paris', 'park', 'party'].filter((word) => word.startsWith(value)),
        ),
        arg2: z.string().describe('Second test argument'),
      }),
    },
    ({ arg1, arg2 }) => ({
      messages: [message({ type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` })],
    }),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      title: 'Prompt With Embedded Resource',
      description: 'Embeds a resource',
      argsSchema: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }),
    },
    ({ resourceUri }) => ({
      messages: [
        message({
          type: 'resource',
          resource: {
            uri: resourceUri,
            mimeType: 'text/plain',
            text: 'Embedded resource content for testing.',
          },
        }),
        message({ type: 'text', text: 'Please process the embedded resource above.' }),
      ],
    }),
  );
  server.registerPrompt(
    'test_prompt_with_image',
    { title: 'Prompt With Image', description: 'An image' },
    () => ({
      messages: [
        message({ type: 'image', data: PNG, mimeType: 'image/png' }),
        message({ type: 'text', text: 'Please analyze the image above.' }),
      ],
    }),
  );
  server.registerPrompt(
    'test_input_required_result_prompt',
    { title: 'Prompt that asks first', description: 'Needs context from the user' },
    (ctx) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_context');
      if (typeof answer?.context === 'string')
        return { messages: [message({ type: 'text', text: `Context: ${answer.context}` })] };
      return inputRequired({
        inputRequests: {
          user_context: inputRequired.elicit(nameForm('What context should the prompt use?', 'context')),
        },
      });
    },
  );
}
