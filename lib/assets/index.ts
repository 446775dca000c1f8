import "server-only";

/** The asset lifecycle shared by the app and the worker (dependencies passed in). */
export { COVER_FORMATS, COVER_SIZES, coverRenditionKey, coverRenditionKeys } from "./covers";
export {
  CurrentVideoError,
  HLS_CONTENT_TYPE,
  purgeAbandonedUploads,
  removeAsset,
  removeSupersededVideos,
  swapLessonVideo,
  type AssetDeps,
  type PurgeOptions,
  type TranscodedVideo,
  type VideoOutputs,
} from "./lifecycle";
