// The workflow custom action "Call this contact with the AI receptionist", as registered with HubSpot's
// automation actions API (POST /automation/v4/actions/{appId}, developer key; server/workflows/register.ts).
// HubSpot calls `actionUrl` for every enrolled contact, with the contact properties named in
// `objectRequestOptions` and the input fields the workflow's author filled in. A failure answers
// `hs_execution_state: FAIL_CONTINUE` with an `errorCode`; the execution rule of that code is the
// sentence HubSpot shows in the workflow's history.

export const ACTION_PATH = "/hubspot/actions/call-contact";
export const ACTION_NAME = "Call this contact with the AI receptionist";

/** Why an execution did not start a call (each has its execution rule, so HubSpot says which). */
export const ACTION_ERROR_CODES = ["UNKNOWN_CONNECTION", "NOT_CONFIGURED", "CONTACT_NOT_FOUND", "NO_PHONE", "INVALID_PHONE", "VENDOR_REFUSED", "OUTCOME_UNKNOWN"] as const;
export type ActionErrorCode = (typeof ACTION_ERROR_CODES)[number];

const RULE_SENTENCES: Record<ActionErrorCode, string> = {
  UNKNOWN_CONNECTION: "Not called: no AI receptionist connection by that name. {{ message }}",
  NOT_CONFIGURED: "Not called: the connection is not set up for outbound calls. {{ message }}",
  CONTACT_NOT_FOUND: "Not called: the contact no longer exists.",
  NO_PHONE: "Not called: the contact has no phone number.",
  INVALID_PHONE: "Not called: the contact's phone number cannot be dialled. {{ message }}",
  VENDOR_REFUSED: "Not called: the AI receptionist's provider refused the call. {{ message }}",
  OUTCOME_UNKNOWN: "Not called again: an earlier attempt of this execution may have placed the call. {{ message }}",
};

/** The contact properties HubSpot sends with each execution (no read of our own needed). */
export const CONTACT_PROPERTIES = ["firstname", "phone", "mobilephone", "hubspot_owner_id"] as const;

const ruleName = (code: ActionErrorCode) => code.toLowerCase();

/** The action definition (PublicActionDefinitionEgg) for an app served at `publicBaseUrl`. */
export function callActionDefinition(publicBaseUrl: string) {
  return {
    actionUrl: new URL(ACTION_PATH, publicBaseUrl).toString(),
    published: true,
    objectTypes: ["CONTACT"],
    objectRequestOptions: { properties: [...CONTACT_PROPERTIES] },
    functions: [],
    inputFields: [
      { typeDefinition: { name: "connection", type: "string", fieldType: "text", options: [], externalOptions: false }, supportedValueTypes: ["STATIC_VALUE"], isRequired: true },
      { typeDefinition: { name: "reason", type: "string", fieldType: "textarea", options: [], externalOptions: false }, supportedValueTypes: ["STATIC_VALUE", "OBJECT_PROPERTY"], isRequired: false },
    ],
    outputFields: [
      { typeDefinition: { name: "vendor_call_id", type: "string", fieldType: "text", options: [], externalOptions: false } },
      { typeDefinition: { name: "errorCode", type: "enumeration", fieldType: "select", options: ACTION_ERROR_CODES.map((value) => ({ value, label: value })), externalOptions: false } },
      { typeDefinition: { name: "message", type: "string", fieldType: "text", options: [], externalOptions: false } },
    ],
    executionRules: ACTION_ERROR_CODES.map((code) => ({ labelName: ruleName(code), conditions: { errorCode: code } })),
    labels: {
      en: {
        actionName: ACTION_NAME,
        appDisplayName: "AI Receptionist",
        actionDescription: "Starts an outbound call to the contact's phone number through the AI receptionist of the chosen connection. The call is logged on the contact like every AI call.",
        actionCardContent: "Call with {{connection}}",
        inputFieldLabels: { connection: "Connection (its label or id, from the app's settings page)", reason: "Reason for the call (the AI is told it)" },
        inputFieldDescriptions: {
          connection: "The AI receptionist connection that places the call; it must be set up for outbound calls (docs/workflows.md).",
          reason: "One sentence the AI receptionist uses to open the call, e.g. \"follow up on your quote\".",
        },
        outputFieldLabels: { vendor_call_id: "Call id at the AI receptionist's provider", errorCode: "Why the call was not started", message: "Details" },
        executionRules: Object.fromEntries(ACTION_ERROR_CODES.map((code) => [ruleName(code), RULE_SENTENCES[code]])),
      },
    },
  };
}

export type CallActionDefinition = ReturnType<typeof callActionDefinition>;
