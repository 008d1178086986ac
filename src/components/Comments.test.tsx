import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, expect, test } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import { Comments, type Thread } from "./Comments";

const calls: unknown[] = [];
let answer: unknown = { ok: true, commentId: "c2" };
const add = async (args: unknown) => {
  calls.push(args);
  return answer as { ok: false; reason: "commentsOff" };
};

afterEach(cleanup);
beforeEach(() => {
  calls.length = 0;
  answer = { ok: true, commentId: "c2" };
  localStorage.clear();
});

const guestThread: Thread = {
  commentId: "c1" as Id<"comments">,
  authorName: "<b>Dana</b>",
  isGuest: true,
  body: "<img src=x onerror=alert(1)>",
  timestampSeconds: 12,
  createdAt: Date.now(),
  mine: false,
  replies: [],
};

test("guest comments are marked and rendered as text, never markup", () => {
  const { container } = render(<Comments threads={[guestThread]} onSeek={() => undefined} />);
  expect(screen.getByText("<b>Dana</b>")).toBeTruthy();
  expect(screen.getByText("<img src=x onerror=alert(1)>")).toBeTruthy();
  expect(container.querySelector("img")).toBeNull();
  expect(container.querySelector("b")).toBeNull();
  expect(screen.getByText("guest").className).toContain("badge");
  expect(screen.getByRole("button", { name: "@0:12" })).toBeTruthy();
});

test("a guest posts at the player's time under a name remembered in the browser", async () => {
  render(
    <Comments
      threads={[]}
      guest={{ grantToken: "g".repeat(43), videoId: "v1" as Id<"videos">, add }}
      onSeek={() => undefined}
      currentTime={() => 12.4}
    />,
  );
  const form = screen.getByRole("form", { name: "Add a comment" });
  fireEvent.change(screen.getByLabelText("Your name"), { target: { value: " Dana " } });
  fireEvent.change(screen.getByLabelText("Comment"), { target: { value: "Logo too small" } });
  fireEvent.submit(form);
  await waitFor(() => expect(calls).toHaveLength(1));
  expect(calls[0]).toEqual({
    grantToken: "g".repeat(43),
    videoId: "v1",
    name: "Dana",
    parentId: undefined,
    body: "Logo too small",
    timestampSeconds: 12.4,
  });
  await waitFor(() => expect(localStorage.getItem("reelgate:guestName")).toBe("Dana"));
  cleanup();
  render(<Comments threads={[]} guest={{ grantToken: "g".repeat(43), add }} onSeek={() => undefined} />);
  expect((screen.getByLabelText("Your name") as HTMLInputElement).value).toBe("Dana");
});

test("the name a guest posted under fills the reply forms already on the page", async () => {
  render(
    <Comments
      threads={[guestThread]}
      guest={{ grantToken: "g".repeat(43), videoId: "v1" as Id<"videos">, add }}
      onSeek={() => undefined}
    />,
  );
  const replyName = screen.getByLabelText(/^Your name \(reply to/) as HTMLInputElement;
  expect(replyName.value).toBe("");
  fireEvent.change(screen.getByLabelText("Your name"), { target: { value: "Alice Producer" } });
  fireEvent.change(screen.getByLabelText("Comment"), { target: { value: "Love it" } });
  fireEvent.submit(screen.getByRole("form", { name: "Add a comment" }));
  await waitFor(() => expect(replyName.value).toBe("Alice Producer"));
});

test("a refused post says why in words (comments turned off)", async () => {
  answer = { ok: false, reason: "commentsOff" };
  render(<Comments threads={[]} guest={{ grantToken: "g".repeat(43), add }} onSeek={() => undefined} />);
  fireEvent.change(screen.getByLabelText("Your name"), { target: { value: "Dana" } });
  fireEvent.change(screen.getByLabelText("Comment"), { target: { value: "hi" } });
  fireEvent.submit(screen.getByRole("form", { name: "Add a comment" }));
  await screen.findByText("Comments are turned off for this link.");
  expect(localStorage.getItem("reelgate:guestName")).toBeNull();
});

test("a member replies to a thread; the form starts over once it is posted", async () => {
  const posted: unknown[] = [];
  const member = {
    videoId: "v1" as Id<"videos">,
    add: async (args: unknown) => void posted.push(args),
    remove: async () => undefined,
  };
  render(<Comments threads={[guestThread]} member={member} onSeek={() => undefined} currentTime={() => 3} />);
  const reply = screen.getByLabelText("Reply to <b>Dana</b>") as HTMLInputElement;
  fireEvent.submit(reply.form!);
  await screen.findByText("Write something first.");
  fireEvent.change(reply, { target: { value: " Agreed " } });
  fireEvent.submit(reply.form!);
  await waitFor(() => expect(posted).toEqual([{ videoId: "v1", parentId: "c1", body: "Agreed", timestampSeconds: undefined }]));
  await waitFor(() => expect(reply.value).toBe(""));
  expect(screen.queryByText("Write something first.")).toBeNull();
});

test("a double submit posts the comment once", async () => {
  let release: () => void = () => undefined;
  const slow = (args: unknown) => {
    calls.push(args);
    return new Promise<{ ok: true; commentId: Id<"comments"> }>(
      (resolve) => (release = () => resolve({ ok: true, commentId: "c3" as Id<"comments"> })),
    );
  };
  render(
    <Comments threads={[]} guest={{ grantToken: "g".repeat(43), videoId: "v1" as Id<"videos">, add: slow }} onSeek={() => undefined} />,
  );
  const form = screen.getByRole("form", { name: "Add a comment" });
  fireEvent.change(screen.getByLabelText("Your name"), { target: { value: "Dana" } });
  fireEvent.change(screen.getByLabelText("Comment"), { target: { value: "Once" } });
  fireEvent.submit(form);
  fireEvent.submit(form);
  await waitFor(() => expect(calls).toHaveLength(1));
  release();
  await waitFor(() => expect((screen.getByLabelText("Comment") as HTMLInputElement).value).toBe(""));
  expect(calls).toHaveLength(1);
});
