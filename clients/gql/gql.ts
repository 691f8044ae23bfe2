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
    "mutation SignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    token\n    user {\n      id\n      username\n      createdAt\n    }\n  }\n}\n\nmutation StartDirect($username: String!) {\n  startDirectConversation(username: $username) {\n    id\n  }\n}\n\nmutation Send($input: CreateMessageInput!) {\n  createMessage(input: $input) {\n    seq\n    createdAt\n  }\n}\n\nmutation Ticket {\n  createStreamTicket {\n    ticket\n  }\n}\n\nquery Me {\n  me {\n    id\n    username\n  }\n}\n\nsubscription OnMessage($after: String) {\n  messageCreated(after: $after) {\n    id\n    seq\n    content\n    createdAt\n  }\n}\n\nsubscription OnConversationEvent($after: String) {\n  conversationEvents(after: $after) {\n    __typename\n    conversationId\n    at\n    ... on MessageCreatedEvent {\n      message {\n        id\n        seq\n        content\n      }\n    }\n    ... on MessageEditedEvent {\n      message {\n        id\n        content\n        editedAt\n      }\n    }\n    ... on MessageDeletedEvent {\n      message {\n        id\n        deletedAt\n      }\n    }\n    ... on ReadMarkerMovedEvent {\n      unreadCount\n      marker {\n        lastReadSeq\n        user {\n          id\n        }\n      }\n    }\n    ... on TypingEvent {\n      expiresAt\n      user {\n        id\n      }\n    }\n  }\n}": typeof types.SignUpDocument,
};
const documents: Documents = {
    "mutation SignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    token\n    user {\n      id\n      username\n      createdAt\n    }\n  }\n}\n\nmutation StartDirect($username: String!) {\n  startDirectConversation(username: $username) {\n    id\n  }\n}\n\nmutation Send($input: CreateMessageInput!) {\n  createMessage(input: $input) {\n    seq\n    createdAt\n  }\n}\n\nmutation Ticket {\n  createStreamTicket {\n    ticket\n  }\n}\n\nquery Me {\n  me {\n    id\n    username\n  }\n}\n\nsubscription OnMessage($after: String) {\n  messageCreated(after: $after) {\n    id\n    seq\n    content\n    createdAt\n  }\n}\n\nsubscription OnConversationEvent($after: String) {\n  conversationEvents(after: $after) {\n    __typename\n    conversationId\n    at\n    ... on MessageCreatedEvent {\n      message {\n        id\n        seq\n        content\n      }\n    }\n    ... on MessageEditedEvent {\n      message {\n        id\n        content\n        editedAt\n      }\n    }\n    ... on MessageDeletedEvent {\n      message {\n        id\n        deletedAt\n      }\n    }\n    ... on ReadMarkerMovedEvent {\n      unreadCount\n      marker {\n        lastReadSeq\n        user {\n          id\n        }\n      }\n    }\n    ... on TypingEvent {\n      expiresAt\n      user {\n        id\n      }\n    }\n  }\n}": types.SignUpDocument,
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
export function graphql(source: "mutation SignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    token\n    user {\n      id\n      username\n      createdAt\n    }\n  }\n}\n\nmutation StartDirect($username: String!) {\n  startDirectConversation(username: $username) {\n    id\n  }\n}\n\nmutation Send($input: CreateMessageInput!) {\n  createMessage(input: $input) {\n    seq\n    createdAt\n  }\n}\n\nmutation Ticket {\n  createStreamTicket {\n    ticket\n  }\n}\n\nquery Me {\n  me {\n    id\n    username\n  }\n}\n\nsubscription OnMessage($after: String) {\n  messageCreated(after: $after) {\n    id\n    seq\n    content\n    createdAt\n  }\n}\n\nsubscription OnConversationEvent($after: String) {\n  conversationEvents(after: $after) {\n    __typename\n    conversationId\n    at\n    ... on MessageCreatedEvent {\n      message {\n        id\n        seq\n        content\n      }\n    }\n    ... on MessageEditedEvent {\n      message {\n        id\n        content\n        editedAt\n      }\n    }\n    ... on MessageDeletedEvent {\n      message {\n        id\n        deletedAt\n      }\n    }\n    ... on ReadMarkerMovedEvent {\n      unreadCount\n      marker {\n        lastReadSeq\n        user {\n          id\n        }\n      }\n    }\n    ... on TypingEvent {\n      expiresAt\n      user {\n        id\n      }\n    }\n  }\n}"): (typeof documents)["mutation SignUp($input: SignUpInput!) {\n  signUp(input: $input) {\n    token\n    user {\n      id\n      username\n      createdAt\n    }\n  }\n}\n\nmutation StartDirect($username: String!) {\n  startDirectConversation(username: $username) {\n    id\n  }\n}\n\nmutation Send($input: CreateMessageInput!) {\n  createMessage(input: $input) {\n    seq\n    createdAt\n  }\n}\n\nmutation Ticket {\n  createStreamTicket {\n    ticket\n  }\n}\n\nquery Me {\n  me {\n    id\n    username\n  }\n}\n\nsubscription OnMessage($after: String) {\n  messageCreated(after: $after) {\n    id\n    seq\n    content\n    createdAt\n  }\n}\n\nsubscription OnConversationEvent($after: String) {\n  conversationEvents(after: $after) {\n    __typename\n    conversationId\n    at\n    ... on MessageCreatedEvent {\n      message {\n        id\n        seq\n        content\n      }\n    }\n    ... on MessageEditedEvent {\n      message {\n        id\n        content\n        editedAt\n      }\n    }\n    ... on MessageDeletedEvent {\n      message {\n        id\n        deletedAt\n      }\n    }\n    ... on ReadMarkerMovedEvent {\n      unreadCount\n      marker {\n        lastReadSeq\n        user {\n          id\n        }\n      }\n    }\n    ... on TypingEvent {\n      expiresAt\n      user {\n        id\n      }\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;