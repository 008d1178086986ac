/** Vitest setup for every project that starts backends: after each test file, its temporary data folders go. */
import { afterAll } from "vitest";
import { removeTempDataDirs } from "./testing";

afterAll(() => removeTempDataDirs());
