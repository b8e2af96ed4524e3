/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query ViewerGenerations($first: Int, $after: String, $status: GenerationStatus) {\n  viewer {\n    id\n    generations(first: $first, after: $after, status: $status) {\n      edges {\n        cursor\n        node {\n          ...GenerationFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}\n\nfragment GenerationFields on Generation {\n  id\n  inputContent\n  outputFormat\n  bulletPoints\n  canvaDesignId\n  status\n  createdAt\n  hasFile\n}\n\nmutation CreateGeneration($input: CreateGenerationInput!) {\n  createGeneration(input: $input) {\n    generation {\n      ...GenerationFields\n    }\n    upload {\n      url\n      token\n      path\n      expiresAt\n    }\n  }\n}\n\nmutation CreateGenerationUploadUrl($id: ID!) {\n  createGenerationUploadUrl(id: $id) {\n    url\n    token\n    path\n    expiresAt\n  }\n}\n\nmutation CreateGenerationDownloadUrl($id: ID!, $expiresIn: Int) {\n  createGenerationDownloadUrl(id: $id, expiresIn: $expiresIn) {\n    url\n    expiresAt\n  }\n}\n\nmutation UpdateGeneration($id: ID!, $input: UpdateGenerationInput!) {\n  updateGeneration(id: $id, input: $input) {\n    generation {\n      ...GenerationFields\n    }\n  }\n}\n\nmutation DeleteGeneration($id: ID!) {\n  deleteGeneration(id: $id) {\n    deletedGenerationId\n  }\n}": typeof types.ViewerGenerationsDocument,
    "query Health {\n  health {\n    ok\n    databaseTime\n    databaseRole\n  }\n}": typeof types.HealthDocument,
    "query Templates($first: Int, $after: String, $type: OutputFormat) {\n  templates(first: $first, after: $after, type: $type) {\n    edges {\n      node {\n        ...TemplateFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nfragment TemplateFields on Template {\n  id\n  name\n  type\n  content\n  createdAt\n  isSystem\n}\n\nmutation CreateTemplate($input: CreateTemplateInput!) {\n  createTemplate(input: $input) {\n    template {\n      ...TemplateFields\n    }\n  }\n}\n\nmutation UpdateTemplate($id: ID!, $input: UpdateTemplateInput!) {\n  updateTemplate(id: $id, input: $input) {\n    template {\n      ...TemplateFields\n    }\n  }\n}\n\nmutation DeleteTemplate($id: ID!) {\n  deleteTemplate(id: $id) {\n    deletedTemplateId\n  }\n}": typeof types.TemplatesDocument,
};
const documents: Documents = {
    "query ViewerGenerations($first: Int, $after: String, $status: GenerationStatus) {\n  viewer {\n    id\n    generations(first: $first, after: $after, status: $status) {\n      edges {\n        cursor\n        node {\n          ...GenerationFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}\n\nfragment GenerationFields on Generation {\n  id\n  inputContent\n  outputFormat\n  bulletPoints\n  canvaDesignId\n  status\n  createdAt\n  hasFile\n}\n\nmutation CreateGeneration($input: CreateGenerationInput!) {\n  createGeneration(input: $input) {\n    generation {\n      ...GenerationFields\n    }\n    upload {\n      url\n      token\n      path\n      expiresAt\n    }\n  }\n}\n\nmutation CreateGenerationUploadUrl($id: ID!) {\n  createGenerationUploadUrl(id: $id) {\n    url\n    token\n    path\n    expiresAt\n  }\n}\n\nmutation CreateGenerationDownloadUrl($id: ID!, $expiresIn: Int) {\n  createGenerationDownloadUrl(id: $id, expiresIn: $expiresIn) {\n    url\n    expiresAt\n  }\n}\n\nmutation UpdateGeneration($id: ID!, $input: UpdateGenerationInput!) {\n  updateGeneration(id: $id, input: $input) {\n    generation {\n      ...GenerationFields\n    }\n  }\n}\n\nmutation DeleteGeneration($id: ID!) {\n  deleteGeneration(id: $id) {\n    deletedGenerationId\n  }\n}": types.ViewerGenerationsDocument,
    "query Health {\n  health {\n    ok\n    databaseTime\n    databaseRole\n  }\n}": types.HealthDocument,
    "query Templates($first: Int, $after: String, $type: OutputFormat) {\n  templates(first: $first, after: $after, type: $type) {\n    edges {\n      node {\n        ...TemplateFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nfragment TemplateFields on Template {\n  id\n  name\n  type\n  content\n  createdAt\n  isSystem\n}\n\nmutation CreateTemplate($input: CreateTemplateInput!) {\n  createTemplate(input: $input) {\n    template {\n      ...TemplateFields\n    }\n  }\n}\n\nmutation UpdateTemplate($id: ID!, $input: UpdateTemplateInput!) {\n  updateTemplate(id: $id, input: $input) {\n    template {\n      ...TemplateFields\n    }\n  }\n}\n\nmutation DeleteTemplate($id: ID!) {\n  deleteTemplate(id: $id) {\n    deletedTemplateId\n  }\n}": types.TemplatesDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ViewerGenerations($first: Int, $after: String, $status: GenerationStatus) {\n  viewer {\n    id\n    generations(first: $first, after: $after, status: $status) {\n      edges {\n        cursor\n        node {\n          ...GenerationFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}\n\nfragment GenerationFields on Generation {\n  id\n  inputContent\n  outputFormat\n  bulletPoints\n  canvaDesignId\n  status\n  createdAt\n  hasFile\n}\n\nmutation CreateGeneration($input: CreateGenerationInput!) {\n  createGeneration(input: $input) {\n    generation {\n      ...GenerationFields\n    }\n    upload {\n      url\n      token\n      path\n      expiresAt\n    }\n  }\n}\n\nmutation CreateGenerationUploadUrl($id: ID!) {\n  createGenerationUploadUrl(id: $id) {\n    url\n    token\n    path\n    expiresAt\n  }\n}\n\nmutation CreateGenerationDownloadUrl($id: ID!, $expiresIn: Int) {\n  createGenerationDownloadUrl(id: $id, expiresIn: $expiresIn) {\n    url\n    expiresAt\n  }\n}\n\nmutation UpdateGeneration($id: ID!, $input: UpdateGenerationInput!) {\n  updateGeneration(id: $id, input: $input) {\n    generation {\n      ...GenerationFields\n    }\n  }\n}\n\nmutation DeleteGeneration($id: ID!) {\n  deleteGeneration(id: $id) {\n    deletedGenerationId\n  }\n}"): (typeof documents)["query ViewerGenerations($first: Int, $after: String, $status: GenerationStatus) {\n  viewer {\n    id\n    generations(first: $first, after: $after, status: $status) {\n      edges {\n        cursor\n        node {\n          ...GenerationFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}\n\nfragment GenerationFields on Generation {\n  id\n  inputContent\n  outputFormat\n  bulletPoints\n  canvaDesignId\n  status\n  createdAt\n  hasFile\n}\n\nmutation CreateGeneration($input: CreateGenerationInput!) {\n  createGeneration(input: $input) {\n    generation {\n      ...GenerationFields\n    }\n    upload {\n      url\n      token\n      path\n      expiresAt\n    }\n  }\n}\n\nmutation CreateGenerationUploadUrl($id: ID!) {\n  createGenerationUploadUrl(id: $id) {\n    url\n    token\n    path\n    expiresAt\n  }\n}\n\nmutation CreateGenerationDownloadUrl($id: ID!, $expiresIn: Int) {\n  createGenerationDownloadUrl(id: $id, expiresIn: $expiresIn) {\n    url\n    expiresAt\n  }\n}\n\nmutation UpdateGeneration($id: ID!, $input: UpdateGenerationInput!) {\n  updateGeneration(id: $id, input: $input) {\n    generation {\n      ...GenerationFields\n    }\n  }\n}\n\nmutation DeleteGeneration($id: ID!) {\n  deleteGeneration(id: $id) {\n    deletedGenerationId\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Health {\n  health {\n    ok\n    databaseTime\n    databaseRole\n  }\n}"): (typeof documents)["query Health {\n  health {\n    ok\n    databaseTime\n    databaseRole\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Templates($first: Int, $after: String, $type: OutputFormat) {\n  templates(first: $first, after: $after, type: $type) {\n    edges {\n      node {\n        ...TemplateFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nfragment TemplateFields on Template {\n  id\n  name\n  type\n  content\n  createdAt\n  isSystem\n}\n\nmutation CreateTemplate($input: CreateTemplateInput!) {\n  createTemplate(input: $input) {\n    template {\n      ...TemplateFields\n    }\n  }\n}\n\nmutation UpdateTemplate($id: ID!, $input: UpdateTemplateInput!) {\n  updateTemplate(id: $id, input: $input) {\n    template {\n      ...TemplateFields\n    }\n  }\n}\n\nmutation DeleteTemplate($id: ID!) {\n  deleteTemplate(id: $id) {\n    deletedTemplateId\n  }\n}"): (typeof documents)["query Templates($first: Int, $after: String, $type: OutputFormat) {\n  templates(first: $first, after: $after, type: $type) {\n    edges {\n      node {\n        ...TemplateFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nfragment TemplateFields on Template {\n  id\n  name\n  type\n  content\n  createdAt\n  isSystem\n}\n\nmutation CreateTemplate($input: CreateTemplateInput!) {\n  createTemplate(input: $input) {\n    template {\n      ...TemplateFields\n    }\n  }\n}\n\nmutation UpdateTemplate($id: ID!, $input: UpdateTemplateInput!) {\n  updateTemplate(id: $id, input: $input) {\n    template {\n      ...TemplateFields\n    }\n  }\n}\n\nmutation DeleteTemplate($id: ID!) {\n  deleteTemplate(id: $id) {\n    deletedTemplateId\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;