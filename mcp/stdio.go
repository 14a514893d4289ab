package mcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// maxStdioLine bounds one line of input, like the SDK's own default.
const maxStdioLine = sdk.DefaultMaxLineLength

// NewStdioTransport returns a transport for newline-delimited JSON-RPC on r
// (such as os.Stdin) and w (such as os.Stdout), like the SDK's
// StdioTransport, except that a malformed line does not end the
// connection: it is answered with a JSON-RPC error — parse error (-32700)
// for a line that is not JSON or is longer than 16 MiB, invalid request
// (-32600) for JSON that is not one JSON-RPC message (batches included) —
// and the messages after it are served as usual. Blank lines are skipped.
func NewStdioTransport(r io.Reader, w io.Writer) sdk.Transport {
	return &stdioTransport{r: r, w: &lockedWriter{w: w}}
}

type stdioTransport struct {
	r io.Reader
	w *lockedWriter
}

// Connect starts the filter between r and the SDK's line transport.
func (t *stdioTransport) Connect(ctx context.Context) (sdk.Connection, error) {
	pr, pw := io.Pipe()
	go t.filter(pw)
	return (&sdk.IOTransport{Reader: pr, Writer: t.w}).Connect(ctx)
}

// filter copies well-formed messages from r to pw, one per line, and
// answers the others itself. It ends at the end of r, or when the
// connection closes pw's reader.
func (t *stdioTransport) filter(pw *io.PipeWriter) {
	br := bufio.NewReaderSize(t.r, 64<<10)
	for {
		line, tooLong, err := readLine(br)
		if tooLong {
			t.reply(nil, jsonrpc.CodeParseError, fmt.Sprintf("Parse error: the line is longer than %d bytes", maxStdioLine))
		} else if msg := bytes.TrimSpace(line); len(msg) > 0 {
			if _, decodeErr := jsonrpc.DecodeMessage(msg); decodeErr == nil {
				if _, werr := pw.Write(append(msg, '\n')); werr != nil {
					return
				}
			} else if !json.Valid(msg) {
				t.reply(nil, jsonrpc.CodeParseError, "Parse error: the line is not JSON")
			} else {
				t.reply(requestID(msg), jsonrpc.CodeInvalidRequest,
					"Invalid Request: send one JSON-RPC 2.0 object per line, with jsonrpc \"2.0\" and a method or a result (batches are not supported)")
			}
		}
		if err != nil {
			pw.CloseWithError(err)
			return
		}
	}
}

// readLine reads one line, without its newline. A line over maxStdioLine
// is read to its end and dropped (tooLong).
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > maxStdioLine {
			tooLong, line = true, nil
		} else if !tooLong {
			line = append(line, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimSuffix(line, []byte("\n")), tooLong, err
	}
}

// requestID returns the id member of a JSON object, or nil.
func requestID(msg []byte) any {
	var head struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(msg, &head) != nil {
		return nil
	}
	switch head.ID.(type) {
	case string, float64:
		return head.ID
	}
	return nil
}

// reply writes a JSON-RPC error response.
func (t *stdioTransport) reply(id any, code int, message string) {
	raw, _ := json.Marshal(struct {
		JSONRPC string `json:"jsonrpc"`
		ID      any    `json:"id"`
		Error   struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}{JSONRPC: "2.0", ID: id, Error: struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, message}})
	_, _ = t.w.Write(append(raw, '\n'))
}

// lockedWriter serialises writes, so that the SDK's messages and the
// filter's replies never interleave within a line. The SDK writes each
// message with one Write.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Close does nothing: the writer belongs to the caller.
func (l *lockedWriter) Close() error { return nil }
