"""Weekly Red/Amber/Green reviews per student and area, the weekly screen, and the weekly update to
each placing provider."""
