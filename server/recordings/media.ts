// What a stored recording may be served as. The bytes came from a host we do not control, so only an
// audio media type is kept, and the file name's extension follows from it.

const AUDIO_TYPE = /^audio\/[a-z0-9][a-z0-9.+-]*$/;

/** The audio media type of a Content-Type value ("audio/wav"), or null when it is not audio. */
export function audioType(contentType: string | null | undefined): string | null {
  const type = contentType?.split(";")[0].trim().toLowerCase();
  return type && AUDIO_TYPE.test(type) ? type : null;
}

const EXTENSIONS: Record<string, string> = {
  "audio/mpeg": "mp3",
  "audio/mp3": "mp3",
  "audio/wav": "wav",
  "audio/wave": "wav",
  "audio/x-wav": "wav",
  "audio/vnd.wave": "wav",
  "audio/ogg": "ogg",
  "audio/webm": "webm",
  "audio/mp4": "m4a",
  "audio/x-m4a": "m4a",
  "audio/aac": "aac",
  "audio/flac": "flac",
};

/** The download name's extension for a stored type; "bin" for anything we would not call audio. */
export const audioExtension = (type: string | null): string => (type && EXTENSIONS[type]) || "bin";
