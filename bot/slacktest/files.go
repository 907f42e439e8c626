package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// File is a file the bot uploaded through files.getUploadURLExternal, the upload
// URL and files.completeUploadExternal.
type File struct {
	// ID is the file ID the server assigned, such as "F00000003".
	ID string
	// Name is the filename given to files.getUploadURLExternal.
	Name string
	// Title is the title given to files.completeUploadExternal.
	Title string
	// Length is the length announced to files.getUploadURLExternal.
	Length int
	// Content is what was posted to the upload URL.
	Content []byte
	// Uploaded reports whether the upload URL received the content.
	Uploaded bool
	// Channels lists where files.completeUploadExternal shared the file.
	Channels []string
	// InitialComment and ThreadTs are those given to files.completeUploadExternal.
	InitialComment string
	ThreadTs       string
	// Completed reports whether files.completeUploadExternal was called.
	Completed bool
}

// Files returns every file, in the order upload URLs were requested.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, 0, len(s.files))
	for _, f := range s.files {
		c := *f
		c.Content = slices.Clone(f.Content)
		c.Channels = slices.Clone(f.Channels)
		out = append(out, c)
	}
	return out
}

// fileLocked finds a file by ID.
func (s *Server) fileLocked(id string) *File {
	for _, f := range s.files {
		if f.ID == id {
			return f
		}
	}
	return nil
}

func (s *Server) filesGetUploadURL(r *apiRequest) reply {
	name := r.form.Get("filename")
	length, err := strconv.Atoi(r.form.Get("length"))
	if name == "" || err != nil || length <= 0 {
		return fail("invalid_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &File{ID: fmt.Sprintf("F%08d", s.nextIDLocked()), Name: name, Length: length}
	s.files = append(s.files, f)
	s.notifyLocked()
	return ok(map[string]any{"upload_url": s.http.URL + "/upload/" + f.ID, "file_id": f.ID})
}

// serveUpload receives the file content slack-go posts to the upload URL.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	call := Call{Method: "upload", At: s.now(), Form: map[string][]string{"file_id": {id}}}
	if done, _ := s.applyFault(w, r, &call); done {
		return
	}
	content, err := uploadedContent(r)
	s.mu.Lock()
	f := s.fileLocked(id)
	if f != nil && err == nil {
		f.Content, f.Uploaded = content, true
		s.notifyLocked()
	}
	s.mu.Unlock()
	switch {
	case f == nil:
		http.Error(w, "unknown file", http.StatusNotFound)
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadRequest)
	default:
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "OK - %d", len(content))
	}
}

// uploadedContent reads the "file" part of a multipart body, or a raw body.
func uploadedContent(r *http.Request) ([]byte, error) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		return readBody(r)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, err
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, fmt.Errorf("no file part: %w", err)
		}
		if part.FormName() == "file" {
			return io.ReadAll(io.LimitReader(part, 16<<20))
		}
	}
}

func (s *Server) filesComplete(r *apiRequest) reply {
	var summaries []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if json.Unmarshal([]byte(r.form.Get("files")), &summaries) != nil || len(summaries) == 0 {
		return fail("invalid_arguments")
	}
	var channels []string
	if ch := r.form.Get("channel_id"); ch != "" {
		channels = append(channels, ch)
	}
	if chs := r.form.Get("channels"); chs != "" {
		channels = append(channels, strings.Split(chs, ",")...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, sum := range summaries {
		f := s.fileLocked(sum.ID)
		if f == nil || !f.Uploaded {
			return fail("file_not_found")
		}
		f.Title, f.Completed, f.Channels = sum.Title, true, channels
		f.InitialComment, f.ThreadTs = r.form.Get("initial_comment"), r.form.Get("thread_ts")
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
	}
	s.notifyLocked()
	return ok(map[string]any{"files": out})
}
