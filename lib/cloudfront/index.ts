/** Pure CloudFront building blocks (no I/O): shared by the app signer, the local edge and tests. */
export * from "./base64";
export * from "./encode";
export * from "./match";
export * from "./policy";
export * from "./verify";
export * from "./wire";
